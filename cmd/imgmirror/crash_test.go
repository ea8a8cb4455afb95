package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/manifest"
	"github.com/imgmirror/imgmirror/storage/filestore"
)

// crashCorpus returns six articles that share images, and the images:
// distinct small JPEGs, so that every image means an original, a
// thumbnail and an index entry to write.
func crashCorpus(t *testing.T) (map[string][]byte, map[string][]byte) {
	t.Helper()
	const nImages = 9
	images := map[string][]byte{}
	for i := range nImages {
		img := image.NewRGBA(image.Rect(0, 0, 480, 300+10*i))
		for y := range img.Bounds().Dy() {
			for x := range 480 {
				img.Set(x, y, color.RGBA{uint8(x*(i+1) + y), uint8(y * (i + 2)), uint8(40 * i), 255})
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
			t.Fatal(err)
		}
		images[fmt.Sprintf("mmbiz_jpg/crash%02d", i)] = buf.Bytes()
	}
	articles := map[string][]byte{}
	for k := range 6 {
		var b strings.Builder
		fmt.Fprintf(&b, "# Crash %d\n\n文章作者: test\n封面图链接: https://mmbiz.qpic.cn/mmbiz_jpg/crash%02d/300\n\n", k, k%3)
		for j := range 4 {
			fmt.Fprintf(&b, "Paragraph %d.\n\n![](https://mmbiz.qpic.cn/mmbiz_jpg/crash%02d/640?wx_fmt=jpeg)\n\n", j, (k+2*j)%nImages)
		}
		articles[fmt.Sprintf("a%d.md", k)] = []byte(b.String())
	}
	return articles, images
}

// testSeed returns the seed of a randomized test, from IMGMIRROR_TEST_SEED
// when set (to replay a failure), and logs it.
func testSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("IMGMIRROR_TEST_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("IMGMIRROR_TEST_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with IMGMIRROR_TEST_SEED=%d)", seed, seed)
	return seed
}

// start starts the binary in dir.
func start(t *testing.T, dir string, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir, cmd.Env = dir, append(cleanEnv(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// exitCode waits for cmd and returns its exit code, or -1 when a signal
// killed it.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	return codeOfWait(t, cmd, cmd.Wait())
}

func codeOfWait(t *testing.T, cmd *exec.Cmd, err error) int {
	t.Helper()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1
	}
	return cmd.ProcessState.ExitCode()
}

// killAfter sends SIGKILL to cmd after delay unless it exits first, and
// returns its exit code (-1: killed) and how long it ran.
func killAfter(t *testing.T, cmd *exec.Cmd, began time.Time, delay time.Duration) (int, time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(delay - time.Since(began)):
		cmd.Process.Signal(syscall.SIGKILL)
		err = <-done
	}
	ran := time.Since(began)
	return codeOfWait(t, cmd, err), ran
}

// TestCrashSafety kills `imgmirror archive` with SIGKILL at random moments
// and checks after each kill that nothing partial or temporary is visible
// in the store or the output directory and that what is visible verifies;
// a final run completes everything.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the binary dozens of times")
	}
	rng := rand.New(rand.NewPCG(testSeed(t), 0x696d67))
	dir := t.TempDir()
	articles, images := crashCorpus(t)
	for name, b := range articles {
		writeFile(t, filepath.Join(dir, "in", name), b)
	}
	c := startCDN(t, images)
	t.Cleanup(c.origin.Close)
	c.origin.SetLatency(3 * time.Millisecond)
	args := []string{"archive", "--quiet", "--rate", "1000", "--burst", "100", "--concurrency", "4", "--retries", "1", "in"}
	wipe := func() {
		for _, d := range []string{"mirror", "mirrored"} {
			if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
				t.Fatal(err)
			}
		}
	}

	// How long an uninterrupted run takes, for fresh and --force runs
	// (resumed runs have anything from all to nothing left to do): kills
	// land within it. Completed runs update the estimates, so that the
	// load of the machine does not make every kill come too late or early.
	began := time.Now()
	if r := run(t, dir, c.env, args...); r.code != 0 {
		t.Fatalf("calibration run: exit %d\n%s", r.code, r.stderr)
	}
	full := time.Since(began)
	t.Logf("a run from scratch takes %v", full)
	wipe()
	took := map[string]time.Duration{"fresh": full, "force": full}

	const wantKills = 22
	kills, completed, debris := 0, 0, 0
	prevCompleted := false
	for i := 0; kills < wantKills && i < 4*wantKills; i++ {
		mode := "resume"
		switch p := rng.Float64(); {
		case prevCompleted && p < 0.5, !prevCompleted && p < 0.15:
			mode = "fresh"
			wipe()
		case prevCompleted, p < 0.35:
			mode = "force"
		}
		a := args
		if mode == "force" {
			a = append(append([]string{}, args[:len(args)-1]...), "--force", "in")
		}
		// Half the kills aim at the end of the run, where articles and
		// manifests are written.
		span := took[mode]
		if mode == "resume" {
			span = took["fresh"]
		}
		delay := time.Duration(rng.Float64() * float64(span))
		if rng.IntN(2) == 0 {
			delay = time.Duration((0.6 + 0.45*rng.Float64()) * float64(span))
		}
		began := time.Now()
		cmd, out := start(t, dir, c.env, a...)
		code, ran := killAfter(t, cmd, began, delay)
		switch code {
		case -1:
			kills++
			prevCompleted = false
		case 0:
			completed++
			prevCompleted = true
			if mode != "resume" {
				took[mode] = (took[mode] + ran) / 2
			}
		default:
			t.Fatalf("run %d (%s) exited %d before it was killed\n%s", i, mode, code, out)
		}
		t.Logf("run %2d: %-6s kill after %-14v exit %2d after %v", i, mode, delay, code, ran.Round(time.Millisecond))
		debris += checkVisibleState(t, dir)
		if t.Failed() {
			t.Fatalf("inconsistent state after run %d (%s, killed after %v)", i, mode, delay)
		}
		if code == -1 && rng.IntN(2) == 0 {
			// Whatever the kill left, one more run completes it.
			if r := run(t, dir, c.env, args...); r.code != 0 {
				t.Fatalf("run %d: resuming after the kill: exit %d\n%s", i, r.code, r.stderr)
			}
			checkAllComplete(t, dir, articles)
			checkVisibleState(t, dir)
			if t.Failed() {
				t.Fatalf("run %d: not complete after resuming from a kill after %v (%s)", i, delay, mode)
			}
			prevCompleted = true
		}
	}
	if kills < wantKills {
		t.Fatalf("only %d of the runs were killed mid-run (%d completed)", kills, completed)
	}
	t.Logf("%d runs killed, %d completed; %d temporary files left in the output directory (hidden)", kills, completed, debris)

	// Run again without killing: everything completes and verifies.
	if r := run(t, dir, c.env, args...); r.code != 0 {
		t.Fatalf("final run: exit %d\n%s", r.code, r.stderr)
	}
	checkAllComplete(t, dir, articles)
	if r := run(t, dir, nil, "verify", "mirrored", "mirror/articles"); r.code != 0 {
		t.Fatalf("verify after the final run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// checkAllComplete checks that every article has a complete manifest and
// its rewritten article in dir/mirrored.
func checkAllComplete(t *testing.T, dir string, articles map[string][]byte) {
	t.Helper()
	for name := range articles {
		mp := filepath.Join(dir, "mirrored", "in", archive.ManifestName(name))
		m, err := manifest.Load(mp)
		if err != nil {
			t.Errorf("after the final run: %v", err)
			continue
		}
		if !m.Complete() || m.Counts.Archived != m.Counts.Images {
			t.Errorf("%s is not complete: %+v", mp, m.Counts)
		}
		if _, err := os.Stat(filepath.Join(dir, "mirrored", "in", name)); err != nil {
			t.Errorf("after the final run: %v", err)
		}
	}
}

// looksTemporary reports whether a file name looks like a file being
// written rather than a finished object or article.
func looksTemporary(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") || strings.Contains(lower, "tmp") || strings.Contains(lower, "temp") ||
		strings.HasSuffix(name, "~") || strings.HasSuffix(lower, ".part") || strings.HasPrefix(lower, "put-")
}

// checkVisibleState checks what a reader of the store (dir/mirror) and of
// the output directory (dir/mirrored) can see at this moment: no
// temporary file outside the store's hidden directories, every original
// hashing to its key, every index entry and manifest whole JSON, every
// manifest with its article, and every manifest verifying. It returns how
// many hidden temporary files the output directory holds (debris of
// atomic writes that were killed, invisible to readers).
func checkVisibleState(t *testing.T, dir string) (debris int) {
	t.Helper()
	store := filepath.Join(dir, "mirror")
	if _, err := os.Stat(store); os.IsNotExist(err) {
		return 0 // killed before the store was created
	}
	var manifests []string
	walk := func(root string, fn func(p, rel string)) {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if os.IsNotExist(err) {
				return nil
			}
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir // the store's internals (.tmp, .meta)
				}
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			fn(p, filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			t.Errorf("walk %s: %v", root, err)
		}
	}
	walk(store, func(p, rel string) {
		name := filepath.Base(rel)
		if looksTemporary(name) {
			t.Errorf("store: temporary file visible as an object: %s", rel)
			return
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("store: %v", err)
			return
		}
		switch top, _, _ := strings.Cut(rel, "/"); top {
		case "img":
			sum := sha256.Sum256(b)
			want := fmt.Sprintf("img/%x/%x.jpg", sum[:1], sum)
			if rel != want {
				t.Errorf("store: %s holds %d bytes whose key would be %s", rel, len(b), want)
			}
		case "thumb":
			if _, _, err := image.DecodeConfig(bytes.NewReader(b)); err != nil {
				t.Errorf("store: thumbnail %s does not decode: %v", rel, err)
			}
		case "index":
			if !json.Valid(b) {
				t.Errorf("store: index entry %s is not whole JSON: %q", rel, b)
			}
		case "articles":
			if strings.HasSuffix(name, ".manifest.json") {
				manifests = append(manifests, p)
			} else if !strings.HasSuffix(name, ".md") {
				t.Errorf("store: unexpected article file %s", rel)
			}
		default:
			t.Errorf("store: unexpected file %s", rel)
		}
	})
	out := filepath.Join(dir, "mirrored")
	walk(out, func(p, rel string) {
		name := filepath.Base(rel)
		switch {
		case strings.HasPrefix(name, ".imgmirror") && strings.HasSuffix(name, ".lock"): // lockOutput's
		case strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-"):
			debris++ // an atomic write cut short: hidden, never an article
		case looksTemporary(name):
			t.Errorf("output: temporary file visible: %s", rel)
		case strings.HasSuffix(name, ".manifest.json"):
			manifests = append(manifests, p)
		case strings.HasSuffix(name, ".md"):
		default:
			t.Errorf("output: unexpected file %s", rel)
		}
	})
	for _, mp := range manifests {
		m, err := manifest.Load(mp)
		if err != nil {
			t.Errorf("manifest not whole: %v", err)
			continue
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(mp), filepath.Base(m.Article))); err != nil {
			t.Errorf("manifest %s without its article: %v", mp, err)
		}
	}
	if len(manifests) > 0 && !t.Failed() {
		s, err := filestore.New(store)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := archive.Verify(context.Background(), s, manifests)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Problems {
			t.Errorf("verify: %s", p)
		}
	}
	return debris
}

// TestSignalsStopGracefully interrupts runs with SIGINT and SIGTERM: the
// exit code says which, what was written verifies, and a re-run completes.
func TestSignalsStopGracefully(t *testing.T) {
	articles, images := crashCorpus(t)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range articles {
				writeFile(t, filepath.Join(dir, "in", name), b)
			}
			c := startCDN(t, images)
			t.Cleanup(c.origin.Close)
			c.origin.SetLatency(80 * time.Millisecond)
			args := []string{"archive", "--rate", "1000", "--burst", "100", "--concurrency", "2", "in"}
			cmd, out := start(t, dir, c.env, args...)
			// Signal once the first image is wholly archived (its index
			// entry is written last), with the others still on their way.
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				if m, _ := filepath.Glob(filepath.Join(dir, "mirror", "index", "url", "*.json")); len(m) > 0 {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			cmd.Process.Signal(tc.sig)
			if code := exitCode(t, cmd); code != tc.code {
				t.Fatalf("exit %d after %v, want %d\n%s", code, tc.sig, tc.code, out)
			}
			if !strings.Contains(out.String(), "interrupted") {
				t.Errorf("no word of the interruption:\n%s", out)
			}
			checkVisibleState(t, dir)
			r := run(t, dir, nil, "verify", "--json")
			if r.code != 0 {
				t.Fatalf("verify after %v: exit %d\n%s%s", tc.sig, r.code, r.stdout, r.stderr)
			}
			var rep archive.VerifyReport
			decodeJSON(t, r.stdout, &rep)
			t.Logf("after %v: %d manifests, %d incomplete, %d images archived, %d failed; %d objects verified",
				tc.sig, rep.Manifests, len(rep.Incomplete), rep.Archived, rep.Failed, rep.Objects)
			if rep.Manifests != len(articles) || rep.Archived == 0 || rep.Objects == 0 {
				t.Errorf("the interrupted run did not record the finished work: %+v", rep)
			}

			c.origin.SetLatency(0)
			if r := run(t, dir, c.env, args...); r.code != 0 {
				t.Fatalf("re-run: exit %d\n%s", r.code, r.stderr)
			}
			checkAllComplete(t, dir, articles)
			if r := run(t, dir, nil, "verify", "mirrored", "mirror/articles"); r.code != 0 {
				t.Fatalf("verify after the re-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestConcurrentRuns starts two runs at once: on the same --out one of
// them may only wait or exit 4 naming the lock; on different --out
// directories (the same store) both succeed. Nothing is corrupted.
func TestConcurrentRuns(t *testing.T) {
	articles, images := crashCorpus(t)
	dir := t.TempDir()
	for name, b := range articles {
		writeFile(t, filepath.Join(dir, "in", name), b)
	}
	c := startCDN(t, images)
	t.Cleanup(c.origin.Close)
	c.origin.SetLatency(20 * time.Millisecond)
	args := []string{"archive", "--rate", "1000", "--burst", "100", "in"}

	both := func(a1, a2 []string) (int, int, string, string) {
		c1, o1 := start(t, dir, c.env, a1...)
		c2, o2 := start(t, dir, c.env, a2...)
		return exitCode(t, c1), exitCode(t, c2), o1.String(), o2.String()
	}
	code1, code2, out1, out2 := both(args, args)
	t.Logf("same --out: exit %d and %d", code1, code2)
	switch {
	case code1 == 0 && code2 == 0:
	case code1 == 0 && code2 == 4, code1 == 4 && code2 == 0:
		msg := out1 + out2
		if !strings.Contains(msg, "lock") {
			t.Errorf("the locked-out run does not mention the lock:\n%s", msg)
		}
	default:
		t.Fatalf("same --out: exit %d and %d, want 0 and 0 or 4\n%s\n%s", code1, code2, out1, out2)
	}
	checkVisibleState(t, dir)
	if r := run(t, dir, nil, "verify"); r.code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, dir, c.env, args...); r.code != 0 {
		t.Fatalf("re-run: exit %d\n%s", r.code, r.stderr)
	}
	checkAllComplete(t, dir, articles)

	// Two outputs, one store, everything fetched by both at once.
	if err := os.RemoveAll(filepath.Join(dir, "mirror")); err != nil {
		t.Fatal(err)
	}
	other := append(append([]string{}, args[:len(args)-1]...), "--out", "other", "in")
	code1, code2, out1, out2 = both(append(append([]string{}, args[:len(args)-1]...), "--force", "in"), other)
	if code1 != 0 || code2 != 0 {
		t.Fatalf("two outputs, one store: exit %d and %d\n%s\n%s", code1, code2, out1, out2)
	}
	if r := run(t, dir, nil, "verify", "mirrored", "other", "mirror/articles"); r.code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestResumeAfterCrashBeforeManifest recreates the state a crash leaves
// in --out between an article and its manifest: the article is there, its
// manifest is not, and the store's copy may be complete. The next run must
// write the manifest (without fetching anything), not take the store's
// manifest for the missing one.
func TestResumeAfterCrashBeforeManifest(t *testing.T) {
	articles, images := crashCorpus(t)
	dir := t.TempDir()
	for name, b := range articles {
		writeFile(t, filepath.Join(dir, "in", name), b)
	}
	c := startCDN(t, images)
	args := []string{"archive", "--rate", "1000", "--burst", "100", "in"}
	if r := run(t, dir, c.env, args...); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if err := os.Remove(filepath.Join(dir, "mirrored", "in", "a2.manifest.json")); err != nil {
		t.Fatal(err)
	}
	fetched := c.origin.Count()
	if r := run(t, dir, c.env, args...); r.code != 0 {
		t.Fatalf("re-run: exit %d\n%s", r.code, r.stderr)
	}
	checkAllComplete(t, dir, articles)
	if n := c.origin.Count() - fetched; n != 0 {
		t.Errorf("the re-run fetched %d images, all of which are in the store", n)
	}
	if r := run(t, dir, nil, "verify", "mirrored", "mirror/articles"); r.code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
