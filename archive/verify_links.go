package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	_ "image/jpeg" // thumbnails are JPEG ...
	_ "image/png"  // ... or PNG
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/imgmirror/imgmirror/article"
	"github.com/imgmirror/imgmirror/manifest"
	"github.com/imgmirror/imgmirror/storage"
)

// article checks the rewritten article beside the manifest at mp.
func (v *verifier) article(mp string, m *manifest.Manifest, stable map[string]string) {
	name := path.Base(m.Article)
	if m.Article == "" || name == "." || name == "/" || name == ".." {
		v.problem(Problem{Manifest: mp, Kind: ProblemManifest, Problem: fmt.Sprintf("article field %q names no file", m.Article)})
		return
	}
	ap := filepath.Join(filepath.Dir(mp), name)
	body, err := os.ReadFile(ap)
	if err != nil {
		v.problem(Problem{Manifest: mp, URL: ap, Kind: ProblemArticle, Problem: "article missing: " + err.Error()})
		return
	}
	sum := sha256.Sum256(body)
	if got := hex.EncodeToString(sum[:]); got != m.OutputSHA256 {
		v.problem(Problem{Manifest: mp, URL: ap, Kind: ProblemArticle,
			Problem: fmt.Sprintf("article changed after archiving: sha256 %s, manifest output_sha256 %s", got, m.OutputSHA256)})
	}
	doc := article.Parse(body)
	refs := doc.Refs
	if c := doc.Meta.Cover; c != "" && (len(refs) == 0 || refs[0].Syntax != article.SyntaxCover) {
		// A cover line holding a relative link is metadata, not a Ref.
		refs = append([]article.Ref{{URL: c, Role: article.RoleCover, Syntax: article.SyntaxCover}}, refs...)
	}
	seen := map[string]bool{}
	for _, ref := range refs {
		where := fmt.Sprintf("line %d", ref.Line)
		if ref.Syntax == article.SyntaxCover {
			where = "cover line"
		}
		seen[ref.URL] = true
		key, inStore := v.linkKey(ap, m.PublicURL, ref.URL)
		want, recorded := stable[ref.URL]
		switch {
		case recorded && inStore && key != want:
			v.problem(Problem{Manifest: mp, Key: want, URL: ref.URL, Kind: ProblemArticle,
				Problem: fmt.Sprintf("%s: link leads to %s, not to the recorded object", where, key)})
		case recorded && !inStore && v.storeDir != "" && isRelativeLink(ref.URL) && m.PublicURL == "":
			v.problem(Problem{Manifest: mp, Key: want, URL: ref.URL, Kind: ProblemArticle,
				Problem: fmt.Sprintf("%s: link does not lead into the store %s (were the store or the output directory moved?)", where, v.storeDir)})
		case !recorded && inStore:
			// Not a link the manifest made: its object must exist all the same.
			v.want(mp, linkedCheck(key), true)
			v.linked = append(v.linked, pendingLink{manifest: mp, url: ref.URL, key: key, where: where})
		}
	}
	var missing []string
	for u := range stable {
		if !seen[u] {
			missing = append(missing, u)
		}
	}
	sort.Strings(missing)
	for _, u := range missing {
		v.problem(Problem{Manifest: mp, Key: stable[u], URL: u, Kind: ProblemArticle, Problem: "stable link missing from the article"})
	}
}

// linkedCheck is what is expected of a key an article links to without
// the manifest's word for it: what its name says.
func linkedCheck(key string) objCheck {
	if sum, _, ok := parseOriginalKey(key); ok {
		return objCheck{key: key, kind: kindOriginal, sum: sum, size: -1}
	}
	if w, _, _, ok := parseThumbKey(key); ok {
		return objCheck{key: key, kind: kindThumb, size: -1, w: w}
	}
	return objCheck{key: key, kind: kindAny, size: -1}
}

// linkKey returns the store key a link in the article at articlePath
// leads to, if it leads into the store: the public URL or the store's own
// URL followed by a key, or a path into the directory of a file store.
func (v *verifier) linkKey(articlePath, publicURL, link string) (string, bool) {
	raw := link
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	unescape := func(s string) string {
		if u, err := url.PathUnescape(s); err == nil {
			return u
		}
		return s
	}
	var key string
	base := strings.TrimRight(publicURL, "/") + "/"
	switch {
	case publicURL != "" && strings.HasPrefix(raw, base):
		key = unescape(strings.TrimPrefix(raw, base))
	case v.urlBase != "" && strings.HasPrefix(raw, v.urlBase):
		key = unescape(strings.TrimPrefix(raw, v.urlBase))
	case v.storeDir != "" && isPathLink(raw):
		p := filepath.FromSlash(unescape(raw))
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(articlePath), p)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", false
		}
		rel, err := filepath.Rel(v.storeDir, abs)
		if err != nil || !filepath.IsLocal(rel) {
			return "", false
		}
		key = filepath.ToSlash(rel)
	default:
		return "", false
	}
	return key, storage.ValidKey(key) == nil
}

// isPathLink reports whether link is a plain path: no scheme, no host,
// not just a fragment or query.
func isPathLink(link string) bool {
	if link == "" || strings.HasPrefix(link, "//") || strings.HasPrefix(link, "#") || strings.HasPrefix(link, "?") {
		return false
	}
	u, err := url.Parse(link)
	return err == nil && u.Scheme == "" && u.Host == "" && u.Opaque == ""
}

// isRelativeLink reports whether link is a relative path.
func isRelativeLink(link string) bool {
	return isPathLink(link) && !strings.HasPrefix(link, "/")
}

// parseOriginalKey splits an original's key img/<sha256[0:2]>/<sha256>.<ext>.
func parseOriginalKey(key string) (sum, ext string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 3 || parts[0] != "img" {
		return "", "", false
	}
	sum, ext, found := strings.Cut(parts[2], ".")
	if !found || ext == "" || !isSHA256Hex(sum) || parts[1] != sum[:2] {
		return "", "", false
	}
	return sum, ext, true
}

// parseThumbKey splits a thumbnail's key
// thumb/<width>/<sha256[0:2]>/<sha256>.<jpg|png>.
func parseThumbKey(key string) (width int, sum, ext string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 4 || parts[0] != "thumb" {
		return 0, "", "", false
	}
	w, err := strconv.Atoi(parts[1])
	if err != nil || w < 1 || strconv.Itoa(w) != parts[1] {
		return 0, "", "", false
	}
	sum, ext, found := strings.Cut(parts[3], ".")
	if !found || (ext != "jpg" && ext != "png") || !isSHA256Hex(sum) || parts[2] != sum[:2] {
		return 0, "", "", false
	}
	return w, sum, ext, true
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// countingReader counts the bytes read through it and keeps the first
// read error.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	b   []byte
	max int
}

func (h *headWriter) Write(p []byte) (int, error) {
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
