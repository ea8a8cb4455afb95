package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/article"
)

const smallArticle = `# Small

封面图链接: https://mmbiz.qpic.cn/mmbiz_jpg/cover1/300

Text ` + "`![](https://mmbiz.qpic.cn/mmbiz_jpg/incode/0)`" + `

![a](https://mmbiz.qpic.cn/mmbiz_png/pic2/640?wx_fmt=png "title")
<img data-src="https://mmbiz.qpic.cn/mmbiz_gif/anim3/0?wx_fmt=gif&amp;tp=webp">
`

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), []byte(smallArticle))
	for _, args := range [][]string{
		{"archive"},
		{"archive", "--no-such-flag", "a.md"},
		{"archive", "missing.md"},
		{"archive", "--concurrency", "0", "a.md"},
		{"archive", "--max-bytes", "lots", "a.md"},
		{"archive", "--placeholder-sha256", "xyz", "a.md"},
		{"archive", "--store", "ftp://x", "a.md"},
		{"nosuchcommand"},
	} {
		r := run(t, dir, nil, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "imgmirror:") {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 with a message", args, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "mirrored", "a.md")); err == nil {
		t.Error("a usage error still wrote output")
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), []byte(smallArticle))
	c := startCDN(t, imagesFor([]byte(smallArticle)))
	r := run(t, dir, c.env, "archive", "--dry-run", "a.md")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"fetch", "cover1", "pic2", "anim3"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "incode") {
		t.Error("dry-run lists an image inside a code span")
	}
	if c.origin.Count() != 0 || len(listFiles(t, dir)) != 1 {
		t.Errorf("dry-run fetched (%d) or wrote files: %v", c.origin.Count(), listFiles(t, dir))
	}
}

func TestStdinDirectoryAndPublicURL(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in", "x", "one.md"), []byte(smallArticle))
	writeFile(t, filepath.Join(dir, "in", "two.md"), []byte(strings.ReplaceAll(smallArticle, "pic2", "pic9")))
	writeFile(t, filepath.Join(dir, "in", "notes.txt"), []byte("not an article"))
	c := startCDN(t, imagesFor([]byte(smallArticle), []byte(strings.ReplaceAll(smallArticle, "pic2", "pic9"))))
	r := run(t, dir, c.env, "archive", "--public-url", "https://cdn.example.com/m/", "--store", "file://store", "--out", "out", "--json", "in")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var rep archive.Report
	decodeJSON(t, r.stdout, &rep)
	if rep.Totals.Articles != 2 || rep.Totals.Archived != 6 || rep.Totals.Unique != 4 || rep.Totals.Fetched != 4 {
		t.Errorf("totals %+v: want 2 articles, 6 refs archived, 4 unique images fetched once", rep.Totals)
	}
	one := string(readFile(t, filepath.Join(dir, "out", "in", "x", "one.md")))
	if !strings.Contains(one, "](https://cdn.example.com/m/img/") || !strings.Contains(one, `data-src="https://cdn.example.com/m/img/`) {
		t.Errorf("links do not use --public-url:\n%s", one)
	}
	if _, err := os.Stat(filepath.Join(dir, "store", "articles", "in", "two.md")); err != nil {
		t.Errorf("article not put into the store: %v", err)
	}

	cmd := exec.Command(binary, "archive", "--store", "file://store", "--out", "out", "-")
	cmd.Dir, cmd.Env = dir, append(cleanEnv(), c.env...)
	cmd.Stdin = strings.NewReader(smallArticle)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("stdin: %v\n%s", err, out)
	}
	if b := readFile(t, filepath.Join(dir, "out", "stdin.md")); !strings.Contains(string(b), "](../store/img/") {
		t.Errorf("stdin article not rewritten with relative links:\n%s", b)
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), []byte(smallArticle))
	c := startCDN(t, imagesFor([]byte(smallArticle)))
	env := append(c.env, "IMGMIRROR_OUT=elsewhere", "IMGMIRROR_PUBLIC_URL=https://img.example.net")
	if r := run(t, dir, env, "archive", "a.md"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if b := readFile(t, filepath.Join(dir, "elsewhere", "a.md")); !strings.Contains(string(b), "https://img.example.net/img/") {
		t.Errorf("IMGMIRROR_PUBLIC_URL not applied:\n%s", b)
	}
	r := run(t, dir, nil, "archive", "--help")
	for _, want := range []string{"IMGMIRROR_STORE", "IMGMIRROR_CONCURRENCY", "file://./mirror"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("archive --help lacks %s", want)
		}
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	r := run(t, dir, nil, "demo")
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "mirrored", "sample-article.md")
	if !strings.Contains(r.stderr, "sample-article.md") {
		t.Errorf("demo does not say where the article is:\n%s", r.stderr)
	}
	m := readManifest(t, filepath.Join(dir, "mirrored", "sample-article.manifest.json"))
	if m.Counts.Archived == 0 || m.Counts.Failed != 0 {
		t.Errorf("demo counts %+v", m.Counts)
	}
	checkStoredImages(t, dir, m)
	rewritten := readFile(t, out)
	refs := article.Parse(rewritten).Refs
	if len(refs) != m.Counts.Images-1 { // the cover line now holds a relative path
		t.Errorf("rewritten demo article has %d inline image references, manifest %d in all", len(refs), m.Counts.Images)
	}
	if !strings.Contains(string(rewritten), "封面图链接: "+m.Images[0].StableURL+"\n") {
		t.Errorf("cover line not rewritten to %s", m.Images[0].StableURL)
	}
	for _, ref := range refs {
		if strings.Contains(ref.URL, "mmbiz.qpic.cn") {
			t.Errorf("demo article still links to %s", ref.URL)
		}
	}
}

func TestJSONLogOneEventPerImage(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), []byte(smallArticle))
	c := startCDN(t, imagesFor([]byte(smallArticle)))
	r := run(t, dir, c.env, "archive", "--log-format", "json", "--report", "report.json", "a.md")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	events := 0
	for _, line := range strings.Split(r.stderr, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var ev map[string]any
		decodeJSON(t, line, &ev)
		if ev["msg"] == "image" {
			events++
			for _, k := range []string{"url", "status", "bytes", "duration", "attempts"} {
				if _, ok := ev[k]; !ok {
					t.Errorf("image event lacks %s: %s", k, line)
				}
			}
		}
	}
	if events != 3 {
		t.Errorf("%d image events, want 3 (one per image)\n%s", events, r.stderr)
	}
	var rep archive.Report
	decodeJSON(t, string(readFile(t, filepath.Join(dir, "report.json"))), &rep)
	if rep.Version == "" || rep.Started.IsZero() || rep.Finished.Before(rep.Started) || len(rep.Articles) != 1 || rep.Articles[0].Status != "complete" {
		t.Errorf("report %+v", rep)
	}
}
