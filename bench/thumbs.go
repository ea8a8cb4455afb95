package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/disintegration/imaging"

	"github.com/imgmirror/imgmirror/thumbs"
)

// thumbsWorkerArg makes the bench binary a thumbnailer: it runs
// thumbs.Make (as imgmirror does, both widths from one decode) on every
// file and writes the thumbnails, so that its whole-process CPU time can be
// compared with vipsthumbnail's and ImageMagick's.
const thumbsWorkerArg = "__thumbs-worker"

var thumbWidths = []int{320, 640}

// thumbsWorker: __thumbs-worker OUTDIR FILE...
func thumbsWorker(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench __thumbs-worker OUTDIR FILE...")
		return 2
	}
	out := args[0]
	for _, f := range args[1:] {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		res, err := thumbs.Make(bytes.NewReader(data), int64(len(data)), thumbs.Options{Widths: thumbWidths})
		if err != nil {
			fmt.Fprintln(os.Stderr, f+":", err)
			return 1
		}
		base := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		for _, t := range res.Thumbs {
			if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("%s_%d.%s", base, t.Width, t.Ext)), t.Data, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
	}
	return 0
}

// thumbTool is one way to make the thumbnails of a set of files.
type thumbTool struct {
	name  string
	how   string
	procs func(files []string, out string) [][]string // the commands to run, in order
}

func suiteThumbs(ctx context.Context, e *env, rep *report) error {
	rep.section("Thumbnails: CPU per image and quality")
	goBench(ctx, e, rep)

	// Work on copies: every tool reads from and writes to the temporary
	// directory only.
	in := e.dir("thumbs-in")
	var files []string
	for _, p := range e.pool.photos {
		f := filepath.Join(in, p.name)
		if err := os.WriteFile(f, p.data, 0o644); err != nil {
			return err
		}
		files = append(files, f)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var tt []thumbTool
	tt = append(tt, thumbTool{"imgmirror (thumbs.Make)", "one process for all files, both widths from one decode",
		func(files []string, out string) [][]string {
			return [][]string{append([]string{self, thumbsWorkerArg, out}, files...)}
		}})
	if e.tools.vips.ok() {
		vips := e.tools.vips.path
		tt = append(tt, thumbTool{"vipsthumbnail, per file and width", "`vipsthumbnail IN -s 320x -o OUT_320.jpg[Q=82]`, then 640x",
			func(files []string, out string) [][]string {
				var cmds [][]string
				for _, f := range files {
					for _, w := range thumbWidths {
						cmds = append(cmds, []string{vips, f, "-s", fmt.Sprintf("%dx", w), "-o", fmt.Sprintf("%s/%%s_%d.jpg[Q=82]", out, w)})
					}
				}
				return cmds
			}})
		tt = append(tt, thumbTool{"vipsthumbnail, all files per width", "`vipsthumbnail -s 320x -o OUT/%s_320.jpg[Q=82] FILE...`, then 640x",
			func(files []string, out string) [][]string {
				var cmds [][]string
				for _, w := range thumbWidths {
					cmds = append(cmds, append([]string{vips, "-s", fmt.Sprintf("%dx", w), "-o", fmt.Sprintf("%s/%%s_%d.jpg[Q=82]", out, w)}, files...))
				}
				return cmds
			}})
	} else {
		rep.notef("vipsthumbnail is missing (install with `%s`): no comparison with it.", e.tools.vips.hint)
	}
	if e.tools.convert.ok() {
		cv := e.tools.convert.path
		tt = append(tt, thumbTool{"ImageMagick convert, per file and width", "`convert IN -auto-orient -thumbnail 320x -quality 82 OUT_320.jpg`, then 640x",
			func(files []string, out string) [][]string {
				var cmds [][]string
				for _, f := range files {
					base := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
					for _, w := range thumbWidths {
						cmds = append(cmds, []string{cv, f, "-auto-orient", "-thumbnail", fmt.Sprintf("%dx", w), "-quality", "82",
							filepath.Join(out, fmt.Sprintf("%s_%d.jpg", base, w))})
					}
				}
				return cmds
			}})
	} else {
		rep.notef("ImageMagick is missing (install with `%s`): no comparison with it.", e.tools.convert.hint)
	}

	refs, err := references(files)
	if err != nil {
		return err
	}
	type result struct {
		tool      thumbTool
		cpu, wall time.Duration
		procs     int
		q         map[int]qualityStats
		err       error
	}
	var results []result
	for _, tl := range tt {
		logf("thumbnails with %s", tl.name)
		var rounds []result
		var lastOut string
		for i := range e.cfg.thumbReps {
			out := e.dir(fmt.Sprintf("thumbs-out-%d-%d", len(results), i))
			r := result{tool: tl}
			for _, c := range tl.procs(files, out) {
				p, err := runProc(ctx, out, cleanEnv(), c[0], c[1:]...)
				if err == nil && p.code != 0 {
					err = fmt.Errorf("%s exited %d: %s", filepath.Base(c[0]), p.code, tail(p.stderr, 500))
				}
				if err != nil {
					r.err = err
					break
				}
				r.cpu += p.cpu()
				r.wall += p.wall
				r.procs++
			}
			rounds = append(rounds, r)
			lastOut = out
			if r.err != nil {
				break
			}
		}
		slices.SortFunc(rounds, func(a, b result) int { return int(a.cpu - b.cpu) })
		r := rounds[len(rounds)/2]
		if r.err == nil {
			r.q = quality(lastOut, files, refs)
		}
		results = append(results, r)
	}

	n := time.Duration(len(files))
	rep.notef("%d JPEG photos from %s (%s), widths 320 and 640, JPEG quality 82. CPU is user+sys of the tool's processes "+
		"(rusage), the median of %d rounds. Quality: PSNR (RGB) of each thumbnail against imaging.Resize(full, w, 0, imaging.Lanczos) "+
		"of the decoded, upright original; higher is closer.",
		len(files), e.pool.src, photoNames(e.pool.photos), e.cfg.thumbReps)
	t := &table{head: []string{"tool", "processes", "CPU per image", "wall per image", "CPU vs vipsthumbnail per file", "PSNR 320", "PSNR 640", "avg bytes 320 / 640"}}
	var vipsCPU time.Duration
	for _, r := range results {
		if strings.HasPrefix(r.tool.name, "vipsthumbnail, per file") && r.err == nil {
			vipsCPU = r.cpu
		}
	}
	for _, r := range results {
		if r.err != nil {
			t.add(r.tool.name, "", "failed: "+r.err.Error(), "", "", "", "", "")
			continue
		}
		vs := "n/a"
		if vipsCPU > 0 {
			vs = ratio(r.cpu.Seconds(), vipsCPU.Seconds())
		}
		t.add(r.tool.name, fmt.Sprint(r.procs), ms(r.cpu/n), ms(r.wall/n), vs,
			r.q[320].String(), r.q[640].String(), fmt.Sprintf("%.0f / %.0f", r.q[320].bytes, r.q[640].bytes))
	}
	rep.table(t)
	how := &table{head: []string{"tool", "commands"}}
	for _, r := range results {
		how.add(r.tool.name, r.tool.how)
	}
	rep.table(how)
	if vipsCPU > 0 && results[0].err == nil {
		r := results[0].cpu.Seconds() / vipsCPU.Seconds()
		rep.goal("thumbs", "thumbnailing uses no more CPU than vipsthumbnail (per file, as a user runs it)", r <= 1,
			fmt.Sprintf("%s vs %s per image: %.2f×", ms(results[0].cpu/n), ms(vipsCPU/n), r))
	} else if results[0].err != nil {
		return results[0].err
	}
	return nil
}

func photoNames(ps []poolImage) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.name)
	}
	return strings.Join(s, ", ")
}

// goBench runs the thumbs package's Go benchmarks and includes their
// output.
func goBench(ctx context.Context, e *env, rep *report) {
	if !e.tools.goTool.ok() {
		return
	}
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", e.cfg.benchtime, "./thumbs"}
	logf("go %s", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = e.root
	out, err := cmd.CombinedOutput()
	rep.notef("`go %s`:", strings.Join(args, " "))
	if err != nil {
		rep.notef("failed: %v", err)
		rep.code(tail(string(out), 3000))
		return
	}
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "cpu:") || strings.HasPrefix(l, "goos") {
			keep = append(keep, l)
		}
	}
	rep.code(strings.Join(keep, "\n"))
}

// qualityStats is the average PSNR of one tool's thumbnails at one width.
type qualityStats struct {
	psnr       float64
	n, sizeOff int // compared, of which with other dimensions than the reference
	bytes      float64
}

func (q qualityStats) String() string {
	if q.n == 0 {
		return "n/a"
	}
	s := fmt.Sprintf("%.2f dB", q.psnr)
	if q.sizeOff > 0 {
		s += fmt.Sprintf(" (%d sized differently)", q.sizeOff)
	}
	return s
}

// references makes the reference thumbnails: file -> width -> image.
func references(files []string) (map[string]map[int]image.Image, error) {
	out := map[string]map[int]image.Image{}
	for _, f := range files {
		full, err := imaging.Open(f, imaging.AutoOrientation(true))
		if err != nil {
			return nil, err
		}
		out[f] = map[int]image.Image{}
		for _, w := range thumbWidths {
			out[f][w] = imaging.Resize(full, w, 0, imaging.Lanczos)
		}
	}
	return out, nil
}

// quality compares the thumbnails in dir (BASE_WIDTH.jpg or .png) with the
// references.
func quality(dir string, files []string, refs map[string]map[int]image.Image) map[int]qualityStats {
	out := map[int]qualityStats{}
	for _, w := range thumbWidths {
		var q qualityStats
		for _, f := range files {
			base := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
			var path string
			for _, ext := range []string{"jpg", "png"} {
				p := filepath.Join(dir, fmt.Sprintf("%s_%d.%s", base, w, ext))
				if _, err := os.Stat(p); err == nil {
					path = p
				}
			}
			if path == "" {
				continue
			}
			m, err := imaging.Open(path)
			if err != nil {
				continue
			}
			fi, _ := os.Stat(path)
			v, same := psnr(refs[f][w], m)
			q.psnr += v
			q.bytes += float64(fi.Size())
			q.n++
			if !same {
				q.sizeOff++
			}
		}
		if q.n > 0 {
			q.psnr /= float64(q.n)
			q.bytes /= float64(q.n)
		}
		out[w] = q
	}
	return out
}

// psnr compares the RGB channels of a and b (over their common area; same
// reports whether the sizes agree), compositing any transparency on white.
func psnr(a, b image.Image) (float64, bool) {
	na, nb := flatten(a), flatten(b)
	w := min(na.Bounds().Dx(), nb.Bounds().Dx())
	h := min(na.Bounds().Dy(), nb.Bounds().Dy())
	var sum float64
	for y := range h {
		ra := na.Pix[y*na.Stride:]
		rb := nb.Pix[y*nb.Stride:]
		for x := range w {
			for c := range 3 {
				d := float64(ra[4*x+c]) - float64(rb[4*x+c])
				sum += d * d
			}
		}
	}
	same := na.Bounds().Size() == nb.Bounds().Size()
	mse := sum / float64(3*w*h)
	if mse == 0 {
		return 100, same
	}
	return 10 * math.Log10(255*255/mse), same
}

func flatten(m image.Image) *image.NRGBA {
	n := imaging.Clone(m)
	bg := imaging.New(n.Bounds().Dx(), n.Bounds().Dy(), image.White.C)
	return imaging.Overlay(bg, n, image.Point{}, 1)
}
