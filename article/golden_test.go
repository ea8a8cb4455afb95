package article

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

const goldenDir = "../testdata/article"

// TestGolden parses each testdata/article/*.md, replaces every reference
// with https://stable.example/N (N its index) and compares the result with
// X.golden, and the list of references with X.refs.golden.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d inputs in %s, want wechat-sample.md and tricky.md at least", len(files), goldenDir)
	}
	for _, file := range files {
		base := strings.TrimSuffix(file, ".md")
		t.Run(filepath.Base(base), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d, dropped := parse(src)
			if dropped != 0 {
				t.Errorf("parse dropped %d overlapping references", dropped)
			}
			checkSpans(t, src, d)
			out, err := Rewrite(src, stableEdits(d))
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, base+".golden", out)
			compareGolden(t, base+".refs.golden", listing(d))
		})
	}
}

// stableEdits replaces reference i with https://stable.example/i.
func stableEdits(d *Doc) []Edit {
	edits := make([]Edit, len(d.Refs))
	for i, r := range d.Refs {
		edits[i] = Edit{Start: r.Start, End: r.End, Text: r.Text(fmt.Sprintf("https://stable.example/%d", i))}
	}
	return edits
}

// listing renders the metadata and the references, one per line.
func listing(d *Doc) []byte {
	var b bytes.Buffer
	m := d.Meta
	for _, f := range [][2]string{{"title", m.Title}, {"author", m.Author}, {"published", m.Published},
		{"place", m.Place}, {"original", m.OriginalURL}, {"cover", m.Cover}} {
		fmt.Fprintf(&b, "# %s: %s\n", f[0], f[1])
	}
	b.WriteString("# index\tline\trole\tsyntax\tattr\turl\talt\n")
	for i, r := range d.Refs {
		attr := r.Attr
		if attr == "" {
			attr = "-"
		}
		fmt.Fprintf(&b, "%d\t%d\t%s\t%s\t%s\t%s\t%q\n", i, r.Line, r.Role, r.Syntax, attr, r.URL, r.Alt)
	}
	return b.Bytes()
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./article -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output:\n%s", path, lineDiff(want, got))
	}
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	var b strings.Builder
	for i, n := 0, 0; i < max(len(wl), len(gl)) && n < 10; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, w, g)
			n++
		}
	}
	return b.String()
}

// checkSpans checks that the references lie within src, in order, without
// overlapping, with line numbers that match their offsets.
func checkSpans(t *testing.T, src []byte, d *Doc) {
	t.Helper()
	prev := 0
	for i, r := range d.Refs {
		if r.Start < prev || r.End < r.Start || r.End > len(src) {
			t.Fatalf("ref %d [%d,%d) out of order or range (previous end %d, len %d)", i, r.Start, r.End, prev, len(src))
		}
		if r.Start == r.End {
			t.Errorf("ref %d [%d,%d) is empty", i, r.Start, r.End)
		}
		if line := 1 + bytes.Count(src[:r.Start], []byte("\n")); r.Line != line {
			t.Errorf("ref %d at %d: Line = %d, want %d", i, r.Start, r.Line, line)
		}
		prev = r.End
	}
}

// TestWeChatSample pins what a reading of the reference article shows,
// independently of the golden files: the header, one cover and 16 inline
// images, all on mmbiz.qpic.cn; the links to other articles are not images.
func TestWeChatSample(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(goldenDir, "wechat-sample.md"))
	if err != nil {
		t.Fatal(err)
	}
	d := Parse(src)
	m := d.Meta
	if !strings.HasPrefix(m.Title, "深度访谈｜OpenAI首席产品官") || m.Author != "瓜哥AI新知" || m.Published != "2024-10-19 08:08" ||
		m.Place != "浙江" || !strings.HasPrefix(m.OriginalURL, "http://mp.weixin.qq.com/s?__biz=") ||
		!strings.HasSuffix(m.Cover, "/300") {
		t.Errorf("Meta = %+v", m)
	}
	wantLines := []int{8, 65, 76, 84, 116, 116, 133, 133, 144, 148, 163, 170, 212, 217, 247, 272, 283}
	if len(d.Refs) != len(wantLines) {
		t.Fatalf("got %d refs, want %d:\n%s", len(d.Refs), len(wantLines), describe(src, d.Refs))
	}
	for i, r := range d.Refs {
		syntax, role := SyntaxMarkdown, RoleInline
		if i == 0 {
			syntax, role = SyntaxCover, RoleCover
		}
		if r.Line != wantLines[i] || r.Syntax != syntax || r.Role != role ||
			!strings.HasPrefix(r.URL, "https://mmbiz.qpic.cn/sz_mmbiz_jpg/") || string(src[r.Start:r.End]) != r.URL {
			t.Errorf("ref %d: %+v", i, r)
		}
	}
}
