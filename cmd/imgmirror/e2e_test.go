package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/article"
	"github.com/imgmirror/imgmirror/internal/origin"
	"github.com/imgmirror/imgmirror/manifest"
)

var keyRe = regexp.MustCompile(`^img/([0-9a-f]{2})/([0-9a-f]{64})\.(jpg|png|gif|webp)$`)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestArchiveReferenceArticle archives the reference WeChat article with
// the built binary through a proxy, checks store, manifest and rewritten
// article, then runs again and checks that nothing is fetched or written.
func TestArchiveReferenceArticle(t *testing.T) {
	src := readFile(t, "../../testdata/article/wechat-sample.md")
	dir := t.TempDir()
	in := filepath.Join(dir, "articles", "wechat-sample.md")
	writeFile(t, in, src)
	c := startCDN(t, imagesFor(src))

	r := run(t, dir, c.env, "archive", "articles/wechat-sample.md")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if got := readFile(t, in); string(got) != string(src) {
		t.Fatal("the input article was modified")
	}
	outPath := filepath.Join(dir, "mirrored", "articles", "wechat-sample.md")
	m := readManifest(t, filepath.Join(dir, "mirrored", "articles", "wechat-sample.manifest.json"))
	doc := article.Parse(src)
	wantRefs := len(mmbizRe.FindAllString(string(src), -1))
	if len(m.Images) != wantRefs || m.Counts.Archived != wantRefs {
		t.Fatalf("manifest has %d images (%d archived), article has %d mmbiz images", len(m.Images), m.Counts.Archived, wantRefs)
	}
	if m.Images[0].Role != "cover" || m.Meta.Cover == "" || m.Meta.Title == "" || m.Meta.Author != "瓜哥AI新知" {
		t.Errorf("cover/metadata not recorded: %+v / %+v", m.Images[0], m.Meta)
	}
	if m.InputSHA256 != sha(src) {
		t.Error("manifest input_sha256 does not match the input")
	}
	checkStoredImages(t, dir, m)

	rewritten := readFile(t, outPath)
	if strings.Contains(string(rewritten), "mmbiz.qpic.cn") {
		t.Error("rewritten article still links to mmbiz.qpic.cn")
	}
	var edits []article.Edit
	for i, ref := range doc.Refs {
		if ref.URL != m.Images[i].URL {
			t.Fatalf("manifest image %d is %q, article ref is %q", i, m.Images[i].URL, ref.URL)
		}
		edits = append(edits, article.Edit{Start: ref.Start, End: ref.End, Text: m.Images[i].StableURL})
		if _, err := os.Stat(filepath.Join(filepath.Dir(outPath), filepath.FromSlash(m.Images[i].StableURL))); err != nil {
			t.Errorf("stable link %s does not resolve from the article: %v", m.Images[i].StableURL, err)
		}
	}
	want, err := article.Rewrite(src, edits)
	if err != nil || string(want) != string(rewritten) {
		t.Error("rewritten article differs from the input in more than the image URLs")
	}
	for _, req := range c.origin.Requests() {
		if req.Referer != "" || !strings.HasPrefix(req.UserAgent, "imgmirror/") {
			t.Errorf("request %s sent Referer %q, User-Agent %q", req.Path, req.Referer, req.UserAgent)
		}
		if !strings.HasSuffix(req.Path, "/0") || strings.Contains(req.RawQuery, "tp=") {
			t.Errorf("requested %s?%s, not the original rendition", req.Path, req.RawQuery)
		}
	}
	if n := c.origin.Count(); n != len(imagesFor(src)) {
		t.Errorf("origin saw %d requests for %d distinct images", n, len(imagesFor(src)))
	}

	before := snapshot(t, filepath.Join(dir, "mirror"))
	requests := c.origin.Count()
	r = run(t, dir, c.env, "archive", "--force=false", "articles/wechat-sample.md")
	if r.code != 0 {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
	}
	if n := c.origin.Count(); n != requests {
		t.Errorf("second run made %d origin requests", n-requests)
	}
	if after := snapshot(t, filepath.Join(dir, "mirror")); after != before {
		t.Errorf("second run changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

// checkStoredImages checks every archived image's original, thumbnails
// and URL index entry in the file store under dir/mirror.
func checkStoredImages(t *testing.T, dir string, m *manifest.Manifest) {
	t.Helper()
	store := filepath.Join(dir, "mirror")
	for _, im := range m.Images {
		if im.Status != manifest.StatusArchived {
			continue
		}
		k := keyRe.FindStringSubmatch(im.Key)
		if k == nil || k[2] != im.SHA256 || k[1] != im.SHA256[:2] {
			t.Errorf("key %q is not img/<sha[0:2]>/<sha256>.<ext> of %s", im.Key, im.SHA256)
			continue
		}
		b := readFile(t, filepath.Join(store, im.Key))
		if sha(b) != im.SHA256 || int64(len(b)) != im.Bytes {
			t.Errorf("%s: stored bytes do not match their key", im.Key)
		}
		if im.Width <= 0 || im.Height <= 0 {
			t.Errorf("%s: no dimensions", im.Key)
		}
		for _, th := range im.Thumbnails {
			if !strings.HasPrefix(th.Key, fmt.Sprintf("thumb/%d/%s/%s.", th.Width, im.SHA256[:2], im.SHA256)) {
				t.Errorf("thumbnail key %q", th.Key)
			}
			if _, err := os.Stat(filepath.Join(store, th.Key)); err != nil {
				t.Errorf("thumbnail missing: %v", err)
			}
		}
		if im.Width > 320 && len(im.Thumbnails) == 0 {
			t.Errorf("%s (%dpx wide) has no thumbnails: %s", im.Key, im.Width, im.ThumbnailNote)
		}
		if _, err := os.Stat(filepath.Join(store, archive.IndexKey(im.Normalized))); err != nil {
			t.Errorf("URL index entry for %s missing: %v", im.Normalized, err)
		}
	}
}

// snapshot describes every file below dir with its size and mtime.
func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	for _, f := range listFiles(t, dir) {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(f, "articles/") {
			continue // articles and manifests are rewritten on every run
		}
		fmt.Fprintf(&b, "%s:%d:%d ", f, st.Size(), st.ModTime().UnixNano())
	}
	return b.String()
}

const faultArticle = `# Faults

文章作者: test
封面图链接: https://mmbiz.qpic.cn/mmbiz_jpg/ok1/300

![](https://mmbiz.qpic.cn/mmbiz_jpg/gone/640?wx_fmt=jpeg)
![](https://mmbiz.qpic.cn/mmbiz_jpg/busy/640?wx_fmt=jpeg)
![](https://mmbiz.qpic.cn/mmbiz_jpg/down/640?wx_fmt=jpeg)
![](https://mmbiz.qpic.cn/mmbiz_jpg/reset/640?wx_fmt=jpeg)
![](https://mmbiz.qpic.cn/mmbiz_jpg/short/640?wx_fmt=jpeg)
![](https://mmbiz.qpic.cn/mmbiz_jpg/html/640?wx_fmt=jpeg)
![](https://mmbiz.qpic.cn/mmbiz_jpg/fake/640?wx_fmt=jpeg)
![](https://mmbiz.qpic.cn/mmbiz_png/moved/640?wx_fmt=png)
![](https://mmbiz.qlogo.cn/mmbiz_jpg/ok1/0?wx_fmt=jpeg&tp=webp)
![](https://example.com/not-allowed.png)
`

// TestArchiveFaults runs against an origin that misbehaves in every way
// the CDN does: transient faults are retried, permanent ones recorded,
// and a re-run retries only the failures.
func TestArchiveFaults(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "faults.md"), []byte(faultArticle))
	imgs := imagesFor([]byte(faultArticle))
	c := startCDN(t, imgs)
	o := c.origin
	o.SetFault("mmbiz_jpg/gone", origin.Fault404, -1)
	o.SetFault("mmbiz_jpg/busy", origin.Fault429, 1)
	o.SetFault("mmbiz_jpg/down", origin.Fault503, 2)
	o.SetFault("mmbiz_jpg/reset", origin.FaultReset, 1)
	o.SetFault("mmbiz_jpg/short", origin.FaultShort, 1)
	o.SetFault("mmbiz_jpg/html", origin.FaultHTML, -1)
	o.SetFault("mmbiz_jpg/fake", origin.FaultPlaceholder, -1)
	o.SetFault("mmbiz_png/moved", origin.FaultRedirect, 1)
	o.SetRedirectTarget("https://mmecoa.qpic.cn")

	args := []string{"archive", "--placeholder-sha256", o.PlaceholderSHA256(), "--json", "faults.md"}
	r := run(t, dir, c.env, args...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (some images failed)\n%s", r.code, r.stderr)
	}
	var rep archive.Report
	decodeJSON(t, r.stdout, &rep)
	if rep.Totals.Failed != 3 || rep.Totals.Skipped != 1 || rep.Totals.Archived != 7 {
		t.Errorf("totals %+v, want 7 archived, 3 failed, 1 skipped", rep.Totals)
	}
	m := readManifest(t, filepath.Join(dir, "mirrored", "faults.manifest.json"))
	reasons := map[string]string{"gone": "404", "html": "not an image", "fake": "hotlink placeholder"}
	out := string(readFile(t, filepath.Join(dir, "mirrored", "faults.md")))
	for _, im := range m.Images {
		id := strings.Split(im.Normalized, "/")
		switch want, failing := reasons[id[len(id)-1]]; {
		case im.Normalized == "":
			if im.Status != manifest.StatusSkipped || !strings.Contains(out, im.URL) {
				t.Errorf("%s: %s, want skipped and left as written", im.URL, im.Status)
			}
		case failing:
			if im.Status != manifest.StatusFailed || !strings.Contains(im.Error, want) {
				t.Errorf("%s: %s %q, want failed with %q", im.URL, im.Status, im.Error, want)
			}
			if !strings.Contains(out, "("+im.URL+")") {
				t.Errorf("failed image %s lost its original link", im.URL)
			}
			if !strings.Contains(r.stderr, "faults.md") || !strings.Contains(r.stderr, im.URL) {
				t.Errorf("stderr does not name the article and %s:\n%s", im.URL, r.stderr)
			}
		default:
			if im.Status != manifest.StatusArchived {
				t.Errorf("%s: %s %q, want archived after retries", im.URL, im.Status, im.Error)
			}
		}
	}
	checkStoredImages(t, dir, m)
	if m.Images[0].Key != m.Images[len(m.Images)-2].Key {
		t.Error("the same image under two URLs was stored twice")
	}

	// A re-run retries the failures only.
	o.Reset()
	o.SetFault("mmbiz_jpg/gone", origin.FaultNone, 0)
	if r := run(t, dir, c.env, args...); r.code != 1 {
		t.Fatalf("re-run: exit %d, want 1 (html and placeholder still fail)\n%s", r.code, r.stderr)
	}
	for _, req := range o.Requests() {
		if !strings.Contains(req.Path, "/gone/") && !strings.Contains(req.Path, "/html/") && !strings.Contains(req.Path, "/fake/") {
			t.Errorf("re-run fetched %s, which was archived already", req.Path)
		}
	}
	m = readManifest(t, filepath.Join(dir, "mirrored", "faults.manifest.json"))
	if m.Counts.Archived != 8 || m.Counts.Failed != 2 {
		t.Errorf("after re-run: %+v, want 8 archived, 2 failed", m.Counts)
	}
}
