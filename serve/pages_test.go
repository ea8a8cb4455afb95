package serve

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/imgmirror/imgmirror/manifest"
	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/memstore"
)

// TestServePages archives the sample article once and checks the pages
// that show it.
func TestServePages(t *testing.T) {
	st := memstore.New()
	m := archiveDemo(t, st, "")
	h := newHandler(t, Options{Store: st})
	t.Run("index", func(t *testing.T) { testIndex(t, h, m) })
	t.Run("view", func(t *testing.T) { testView(t, h, m) })
}

func testIndex(t *testing.T, h *Handler, m *manifest.Manifest) {
	w := do(h, "GET", "/", nil)
	page := w.Body.String()
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" || w.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("index: %d %v", w.Code, w.Header())
	}
	for _, want := range []string{
		`<a href="/view/sample-article.md">` + m.Meta.Title + `</a>`,
		m.Meta.Author, m.Meta.Published, m.Meta.Place,
		fmt.Sprintf("%d of %d images archived", m.Counts.Archived, m.Counts.Images),
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index lacks %q:\n%s", want, page)
		}
	}
	checkCSP(t, w.Header(), page)
	if w := do(h, "GET", "/", map[string]string{"If-None-Match": w.Header().Get("ETag")}); w.Code != http.StatusNotModified {
		t.Errorf("index revalidation: %d", w.Code)
	}
	if w := do(h, "HEAD", "/", nil); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD /: %d", w.Code)
	}
}

func TestServeIndexEmptyAndBroken(t *testing.T) {
	st := memstore.New()
	h := newHandler(t, Options{Store: st})
	if w := do(h, "GET", "/", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "No archived articles yet") {
		t.Fatalf("empty index: %d %s", w.Code, w.Body.String())
	}
	put(t, st, "articles/broken.manifest.json", []byte("{not json"), "application/json", "")
	put(t, st, "articles/new.manifest.json", []byte(`{"schema":99}`), "application/json", "")
	w := do(h, "GET", "/", nil)
	if w.Code != 200 || strings.Count(w.Body.String(), "manifest unreadable") != 2 || !strings.Contains(w.Body.String(), `href="/view/broken.md"`) {
		t.Fatalf("broken manifests: %d %s", w.Code, w.Body.String())
	}
}

func testView(t *testing.T, h *Handler, m *manifest.Manifest) {
	w := do(h, "GET", "/view/sample-article.md", nil)
	page := w.Body.String()
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("view: %d %s", w.Code, page)
	}
	checkCSP(t, w.Header(), page)
	// The article's own title is the page's only heading; the metadata
	// lines keep their line breaks.
	if strings.Count(page, "<h1") != 1 || !strings.Contains(page, "<h1>"+m.Meta.Title+"</h1>") || !strings.Contains(page, "<title>"+m.Meta.Title) {
		t.Errorf("title not shown once")
	}
	if !strings.Contains(page, "文章作者: "+m.Meta.Author+"<br>") {
		t.Errorf("metadata lines run together")
	}

	// Every inline image (Markdown and the HTML <img> tag) and every
	// gallery thumbnail is a local link to an object in the store.
	srcs := imgSrcs(page)
	keys := map[string]bool{}
	for _, im := range m.Images {
		if im.Role == "inline" {
			keys["/"+im.Key] = true
		}
	}
	inline, thumbs := 0, 0
	for _, src := range srcs {
		switch {
		case keys[src]:
			inline++
		case strings.HasPrefix(src, "/thumb/"):
			thumbs++
		default:
			t.Errorf("img src %q is neither an archived original nor a thumbnail", src)
		}
		if w := do(h, "GET", src, nil); w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "image/") {
			t.Errorf("GET %s: %d %s", src, w.Code, w.Header().Get("Content-Type"))
		}
	}
	if inline != m.Counts.Archived-1 || thumbs != len(gallery(m)) || thumbs == 0 {
		t.Errorf("%d inline images (want %d), %d thumbnails (want %d)", inline, m.Counts.Archived-1, thumbs, len(gallery(m)))
	}
	// The image inside the code block stays code.
	if !strings.Contains(page, "<code class=\"language-markdown\">![](https://mmbiz.qpic.cn/") {
		t.Error("code block not rendered as code")
	}
	// Gallery links go to the originals.
	for _, g := range gallery(m) {
		if !strings.Contains(page, `<a href="`+g.Original+`"`) {
			t.Errorf("no gallery link to %s", g.Original)
		}
	}
}

func TestServeViewNotFound(t *testing.T) {
	st := memstore.New()
	put(t, st, "articles/x.txt", []byte("x"), "", "")
	h := newHandler(t, Options{Store: st})
	for _, p := range []string{"/view/missing.md", "/view/x.txt", "/view/sub/"} {
		if w := do(h, "GET", p, nil); w.Code != 404 {
			t.Errorf("GET %s: %d", p, w.Code)
		}
	}
}

func TestServeViewWithoutManifest(t *testing.T) {
	st := memstore.New()
	put(t, st, "articles/sub/dir/a.md", []byte("Intro\n\n# Hi\n\n![x](../../../img/ab/x.jpg)\n"), "", "")
	h := newHandler(t, Options{Store: st})
	w := do(h, "GET", "/view/sub/dir/a.md", nil)
	page := w.Body.String()
	if w.Code != 200 || !strings.Contains(page, `<img src="/img/ab/x.jpg" alt="x">`) {
		t.Fatalf("view: %d %s", w.Code, page)
	}
	// No manifest and no leading heading: the path is the title, and the
	// heading stays where it is.
	if !strings.Contains(page, "<title>sub/dir/a.md · imgmirror</title>") || !strings.Contains(page, "<h1>sub/dir/a.md</h1>") ||
		!strings.Contains(page, "<p>Intro</p>\n<h1>Hi</h1>") {
		t.Errorf("titles:\n%s", page)
	}
}

// TestViewEscapes puts hostile text everywhere a page shows something.
func TestServeViewEscapes(t *testing.T) {
	st := memstore.New()
	evil := `<script>alert("t")</script>`
	mf := manifest.Manifest{Schema: 1, Article: "articles/evil.md", Meta: manifest.Meta{
		Title: evil, Author: `"><img src=x onerror=alert(1)>`, Published: "</p><script>alert(2)</script>",
		OriginalURL: "javascript:alert(3)",
	}, Images: []manifest.Image{{Status: manifest.StatusArchived, Role: `"><script>`, Key: `img/ab/x.jpg"><script>alert(4)</script>`}}}
	b, _ := json.Marshal(mf)
	put(t, st, "articles/evil.manifest.json", b, "application/json", "")
	article := "# " + evil + "\n\n" +
		"<script>alert(5)</script>\n\n" +
		"text <script>alert(6)</script> <b onclick=\"alert(7)\">bold</b>\n\n" +
		`<img src="x.jpg" onerror="alert(8)" srcset="javascript:alert(9)" alt="a&quot;b">` + "\n\n" +
		`<img src="javascript:alert(10)">` + "\n\n" +
		`<iframe src="https://evil.example/"></iframe>` + "\n\n" +
		"[link](javascript:alert(11)) [data](data:text/html,<script>alert(12)</script>) ![img](javascript:alert(13))\n\n" +
		"<a href=\"javascript:alert(14)\">a</a>\n\n" +
		"<style>body{display:none}</style>\n\n" +
		"<!-- <script>alert(15)</script> -->\n"
	put(t, st, "articles/evil.md", []byte(article), "", "")
	h := newHandler(t, Options{Store: st})
	for _, p := range []string{"/", "/view/evil.md"} {
		w := do(h, "GET", p, nil)
		page := w.Body.String()
		if w.Code != 200 {
			t.Fatalf("GET %s: %d", p, w.Code)
		}
		checkInert(t, p, page)
		if !strings.Contains(page, "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;") {
			t.Errorf("GET %s: title not shown escaped:\n%s", p, page)
		}
	}
	page := do(h, "GET", "/view/evil.md", nil).Body.String()
	for _, want := range []string{
		`<img src="/articles/x.jpg" alt="a&#34;b">`, // rebuilt, relative to the article
		"&lt;script&gt;alert(5)&lt;/script&gt;",     // shown, not run
		"&lt;iframe src=&#34;https://evil.example/&#34;&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("view lacks %q:\n%s", want, page)
		}
	}
}

func TestServeViewPublicURL(t *testing.T) {
	st := memstore.New()
	const pub = "https://cdn.example.com/mirror"
	m := archiveDemo(t, st, pub)
	src, _, _ := storage.ReadAll(t.Context(), st, demoArticleKey)
	if !strings.Contains(string(src), "("+pub+"/img/") {
		t.Fatalf("store copy does not link to the public URL:\n%s", src)
	}
	h := newHandler(t, Options{Store: st, PublicURL: pub + "/"})
	w := do(h, "GET", "/view/sample-article.md", nil)
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' "+pub+"/;") {
		t.Errorf("CSP %q does not allow the public URL", csp)
	}
	for _, s := range imgSrcs(w.Body.String()) {
		if !strings.HasPrefix(s, "/img/") && !strings.HasPrefix(s, "/thumb/") {
			t.Errorf("img src %q not local", s)
		}
	}
	if len(imgSrcs(w.Body.String())) < m.Counts.Archived {
		t.Errorf("too few images")
	}
}

func TestServeLinkResolver(t *testing.T) {
	lr := newLinkResolver("articles/sub/a.md", "https://cdn.example.com/m", "")
	for _, tc := range []struct {
		dest  string
		image bool
		want  string
	}{
		{"../../img/ab/x.jpg", true, "/img/ab/x.jpg"},
		{"../../../../../img/ab/x.jpg", true, "/img/ab/x.jpg"},
		{"x.jpg", true, "/articles/sub/x.jpg"},
		{"/thumb/320/ab/x.jpg", true, "/thumb/320/ab/x.jpg"},
		{"https://cdn.example.com/m/img/ab/x.jpg", true, "/img/ab/x.jpg"},
		{"https://cdn.example.com/m/../etc/passwd", true, "https://cdn.example.com/m/../etc/passwd"},
		{"https://cdn.example.com/mx/img/ab/x.jpg", true, "https://cdn.example.com/mx/img/ab/x.jpg"},
		{"https://mmbiz.qpic.cn/a/b/640?wx_fmt=jpeg", true, "https://mmbiz.qpic.cn/a/b/640?wx_fmt=jpeg"},
		{"  ../b.md#top ", false, "/view/b.md#top"},
		{"../../articles/c.markdown", false, "/view/c.markdown"},
		{"#frag", false, "#frag"},
		{"#frag", true, ""},
		{"mailto:a@example.com", false, "mailto:a@example.com"},
		{"mailto:a@example.com", true, ""},
		{"javascript:alert(1)", false, ""},
		{"JavaScript:alert(1)", false, ""},
		{"java\tscript:alert(1)", false, ""},
		{"data:image/png;base64,AAAA", true, ""},
		{"//evil.example/x.jpg", true, ""},
		{"", true, ""},
	} {
		if got := lr.resolve(tc.dest, tc.image); got != tc.want {
			t.Errorf("resolve(%q, image=%v) = %q, want %q", tc.dest, tc.image, got, tc.want)
		}
	}
}

// checkCSP checks that an HTML page has a strict policy and that its one
// <style> element is the one the policy allows by hash.
func checkCSP(t *testing.T, hdr http.Header, page string) {
	t.Helper()
	csp := hdr.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "img-src 'self'", "base-uri 'none'", "frame-ancestors 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q is not strict", csp)
	}
	_, rest, _ := strings.Cut(page, "<style>")
	style, _, _ := strings.Cut(rest, "</style>")
	sum := sha256.Sum256([]byte(style))
	if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, "style-src "+h) {
		t.Errorf("CSP %q does not allow the page's style (%s)", csp, h)
	}
}

// checkInert parses page as a browser would and fails on anything that
// could run or load: scripts, frames, event handlers, other styles than
// the page's own, and javascript: or data: links.
func checkInert(t *testing.T, name, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	styles := 0
	for n := range doc.Descendants() {
		if n.Type == html.CommentNode {
			t.Errorf("%s: comment %q", name, n.Data)
		}
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "iframe", "object", "embed", "frame", "base", "form", "link", "svg", "math":
			t.Errorf("%s: <%s> element", name, n.Data)
		case "style":
			styles++
		}
		for _, a := range n.Attr {
			k, v := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(k, "on"), k == "style", k == "srcset", k == "formaction":
				t.Errorf("%s: <%s %s=%q>", name, n.Data, a.Key, a.Val)
			case (k == "href" || k == "src") && (strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:")):
				t.Errorf("%s: <%s %s=%q>", name, n.Data, a.Key, a.Val)
			}
		}
	}
	if styles != 1 {
		t.Errorf("%s: %d <style> elements", name, styles)
	}
}
