package serve

import (
	"bytes"
	"html/template"
	"net/url"
	"path"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	xhtml "golang.org/x/net/html"

	"github.com/imgmirror/imgmirror/storage"
)

// linkResolver turns the links of an article's store copy into links
// that work on the view page.
type linkResolver struct {
	base  *url.URL // "/" + the article's key
	bases []string // public URLs, each ending in "/", whose keys are served here
}

func newLinkResolver(articleKey string, publicURLs ...string) *linkResolver {
	lr := &linkResolver{base: &url.URL{Path: "/" + articleKey}}
	for _, p := range publicURLs {
		if p != "" {
			lr.bases = append(lr.bases, strings.TrimRight(p, "/")+"/")
		}
	}
	return lr
}

// resolve returns the link to use for dest, or "" to drop it. Relative
// links are resolved against the article's key to root-relative paths
// (../img/x.jpg from articles/a.md is /img/x.jpg), links to other
// articles go to their view pages, and absolute links under a public URL
// become local paths. Images may only be relative or http(s); links may
// also be mailto: or a fragment.
func (lr *linkResolver) resolve(dest string, image bool) string {
	dest = strings.TrimSpace(dest)
	u, err := url.Parse(dest)
	if err != nil || dest == "" {
		return ""
	}
	if u.Scheme != "" || u.Host != "" {
		for _, b := range lr.bases {
			if key, ok := strings.CutPrefix(dest, b); ok && storage.ValidKey(key) == nil {
				return (&url.URL{Path: "/" + key}).EscapedPath()
			}
		}
		switch u.Scheme {
		case "http", "https":
			return u.String()
		case "mailto":
			if !image {
				return u.String()
			}
		}
		return ""
	}
	if u.Path == "" {
		if image {
			return ""
		}
		return u.String() // #fragment or ?query on this page
	}
	r := lr.base.ResolveReference(u)
	if rest, ok := strings.CutPrefix(r.Path, "/articles/"); ok && isArticle(rest) {
		r.Path = "/view/" + rest
		r.RawPath = ""
	}
	return r.String()
}

// isArticle reports whether p names a Markdown article.
func isArticle(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".md" || ext == ".markdown"
}

// renderMarkdown renders an article to HTML that is safe to embed: text
// is escaped, link and image destinations go through lr, and raw HTML is
// never passed through (see rawHTML). A level-1 heading that opens the
// article is returned apart, as heading, for the page to show as its own.
// Line breaks are kept (WeChat exports put metadata on consecutive lines).
func renderMarkdown(src []byte, lr *linkResolver) (heading, body template.HTML, err error) {
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough, extension.Linkify, extension.CJK,
		),
		goldmark.WithRendererOptions(
			html.WithHardWraps(),
			renderer.WithNodeRenderers(util.Prioritized(&rawHTML{lr: lr}, 100)),
		),
	)
	doc := md.Parser().Parse(text.NewReader(src))
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch n := n.(type) {
			case *ast.Image:
				n.Destination = []byte(lr.resolve(string(n.Destination), true))
			case *ast.Link:
				n.Destination = []byte(lr.resolve(string(n.Destination), false))
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return "", "", err
	}
	var buf bytes.Buffer
	if h, ok := doc.FirstChild().(*ast.Heading); ok && h.Level == 1 {
		if err := md.Renderer().Render(&buf, src, h); err != nil {
			return "", "", err
		}
		heading = template.HTML(buf.String()) // rendered like the body
		doc.RemoveChild(doc, h)
		buf.Reset()
	}
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return "", "", err
	}
	return heading, template.HTML(buf.String()), nil // goldmark escapes text; raw HTML goes through rawHTML
}

// rawHTML renders the raw HTML of an article (inline tags and HTML
// blocks) safely: an <img> tag is rebuilt with only its src (the first of
// src, data-src and data-croporisrc that resolves, a local one first) and
// alt; everything else is shown as escaped text.
type rawHTML struct{ lr *linkResolver }

// RegisterFuncs implements renderer.NodeRenderer.
func (r *rawHTML) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, r.renderInline)
	reg.Register(ast.KindHTMLBlock, r.renderBlock)
}

func (r *rawHTML) renderInline(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		var raw []byte
		segs := node.(*ast.RawHTML).Segments
		for i := range segs.Len() {
			seg := segs.At(i)
			raw = append(raw, seg.Value(src)...)
		}
		r.sanitize(w, raw)
	}
	return ast.WalkSkipChildren, nil
}

func (r *rawHTML) renderBlock(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.HTMLBlock)
	var raw []byte
	for i := range n.Lines().Len() {
		line := n.Lines().At(i)
		raw = append(raw, line.Value(src)...)
	}
	if n.HasClosure() {
		raw = append(raw, n.ClosureLine.Value(src)...)
	}
	w.WriteString(`<div class="html">`)
	r.sanitize(w, raw)
	w.WriteString("</div>\n")
	return ast.WalkSkipChildren, nil
}

// sanitize writes raw HTML as escaped text, except for <img> tags.
func (r *rawHTML) sanitize(w util.BufWriter, raw []byte) {
	z := xhtml.NewTokenizer(bytes.NewReader(raw))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return
		}
		tok := string(z.Raw())
		if tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
			if name, hasAttr := z.TagName(); string(name) == "img" && hasAttr && r.writeImg(w, z) {
				continue
			}
		}
		w.WriteString(xhtml.EscapeString(tok))
	}
}

// writeImg writes the safe rebuild of the img tag z is at, and reports
// whether it had a usable source.
func (r *rawHTML) writeImg(w util.BufWriter, z *xhtml.Tokenizer) bool {
	attrs := map[string]string{}
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		if _, dup := attrs[string(k)]; !dup {
			attrs[string(k)] = string(v)
		}
	}
	src := ""
	for _, name := range []string{"src", "data-src", "data-croporisrc"} {
		s := r.lr.resolve(attrs[name], true)
		if s != "" && (src == "" || strings.HasPrefix(s, "/") && !strings.HasPrefix(src, "/")) {
			src = s
		}
	}
	if src == "" {
		return false
	}
	w.WriteString(`<img src="` + xhtml.EscapeString(src) + `" alt="` + xhtml.EscapeString(attrs["alt"]) + `">`)
	return true
}
