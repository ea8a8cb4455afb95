package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/manifest"
	"github.com/imgmirror/imgmirror/storage"
)

const (
	// maxArticles is the most articles the index page lists.
	maxArticles = 1000
	// maxDocBytes is the largest article or manifest a page reads.
	maxDocBytes = 16 << 20
	// manifestReaders is how many manifests the index reads at once.
	manifestReaders = 8
	manifestSuffix  = ".manifest.json"
)

// errEnough stops a listing early.
var errEnough = errors.New("enough")

// articleEntry is one line of the index page.
type articleEntry struct {
	View       string // URL of the view page
	Key        string // the manifest's key
	Meta       manifest.Meta
	Counts     manifest.Counts
	ArchivedAt time.Time
	Err        string // why the manifest could not be read
}

// serveIndex lists the archived articles from their manifests.
func (h *Handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var keys []string
	err := h.store.List(ctx, "articles/", func(info storage.Info) error {
		if !strings.HasSuffix(info.Key, manifestSuffix) {
			return nil
		}
		if len(keys) == maxArticles {
			return errEnough
		}
		keys = append(keys, info.Key)
		return nil
	})
	truncated := errors.Is(err, errEnough)
	if err != nil && !truncated {
		h.storeError(w, r, "articles/", err)
		return
	}
	entries := make([]articleEntry, len(keys))
	var g errgroup.Group
	g.SetLimit(manifestReaders)
	for i, key := range keys {
		g.Go(func() error {
			entries[i] = h.entry(ctx, key)
			return nil
		})
	}
	g.Wait()
	h.page(w, r, h.index, map[string]any{"Articles": entries, "Truncated": truncated, "Max": maxArticles})
}

// entry reads the manifest under key for the index.
func (h *Handler) entry(ctx context.Context, key string) articleEntry {
	e := articleEntry{Key: key, View: viewURL(strings.TrimSuffix(key, manifestSuffix) + ".md")}
	m, err := h.readManifest(ctx, key)
	if err != nil {
		h.log.Warn("unreadable manifest", "key", key, "err", err)
		e.Err = "manifest unreadable"
		return e
	}
	if ak := m.Article; strings.HasPrefix(ak, "articles/") && storage.ValidKey(ak) == nil && isArticle(ak) {
		e.View = viewURL(ak)
	}
	e.Meta, e.Counts, e.ArchivedAt = m.Meta, m.Counts, m.ArchivedAt
	return e
}

// viewURL is the view page of the article under key articles/PATH:
// /view/PATH, escaped.
func viewURL(key string) string {
	return (&url.URL{Path: "/view/" + strings.TrimPrefix(key, "articles/")}).EscapedPath()
}

func (h *Handler) readManifest(ctx context.Context, key string) (*manifest.Manifest, error) {
	b, err := h.read(ctx, key)
	if err != nil {
		return nil, err
	}
	return manifest.Decode(bytes.NewReader(b))
}

// read returns the object under key, refusing one over maxDocBytes.
func (h *Handler) read(ctx context.Context, key string) ([]byte, error) {
	rc, _, err := h.store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxDocBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if len(b) > maxDocBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", key, maxDocBytes)
	}
	return b, nil
}

// galleryImage is one archived image of the view page's gallery.
type galleryImage struct {
	Original, Thumb string // local URLs
	Alt             string
	Width, Height   int
}

// serveView renders the store's copy of the article articles/PATH.
func (h *Handler) serveView(w http.ResponseWriter, r *http.Request, p string) {
	key := "articles/" + p
	if p == "" || strings.HasSuffix(p, "/") || !isArticle(p) {
		h.fail(w, http.StatusNotFound)
		return
	}
	if storage.ValidKey(key) != nil {
		h.fail(w, http.StatusBadRequest)
		return
	}
	src, err := h.read(r.Context(), key)
	if err != nil {
		h.storeError(w, r, key, err)
		return
	}
	m, err := h.readManifest(r.Context(), archive.ManifestName(key))
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			h.log.Warn("unreadable manifest", "key", archive.ManifestName(key), "err", err)
		}
		m = &manifest.Manifest{}
	}
	heading, body, err := renderMarkdown(src, newLinkResolver(key, m.PublicURL, h.publicURL))
	if err != nil {
		h.log.Error("render", "key", key, "err", err)
		h.fail(w, http.StatusInternalServerError)
		return
	}
	title := m.Meta.Title
	if title == "" {
		title = p
	}
	h.page(w, r, h.view, map[string]any{
		"Title": title, "Meta": m.Meta, "Counts": m.Counts, "HasManifest": m.Schema != 0,
		"ArchivedAt": m.ArchivedAt, "Raw": (&url.URL{Path: "/" + key}).EscapedPath(),
		"Heading": heading, "Body": body, "Gallery": gallery(m),
	})
}

// gallery lists the archived images of m once each, with the smallest
// thumbnail (or the original when there is none).
func gallery(m *manifest.Manifest) []galleryImage {
	var out []galleryImage
	seen := map[string]bool{}
	for _, im := range m.Images {
		if im.Status != manifest.StatusArchived || seen[im.Key] || storage.ValidKey(im.Key) != nil {
			continue
		}
		seen[im.Key] = true
		g := galleryImage{Original: localURL(im.Key), Thumb: localURL(im.Key), Width: im.Width, Height: im.Height,
			Alt: fmt.Sprintf("%s image, line %d", im.Role, im.Line)}
		best := 0
		for _, t := range im.Thumbnails {
			if storage.ValidKey(t.Key) == nil && (best == 0 || t.Width < best) {
				best, g.Thumb = t.Width, localURL(t.Key)
			}
		}
		out = append(out, g)
	}
	return out
}

func localURL(key string) string { return (&url.URL{Path: "/" + key}).EscapedPath() }

// page writes an HTML page with its headers.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		h.log.Error("template", "name", t.Name(), "err", err)
		h.fail(w, http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", storage.CacheNoCache)
	hdr.Set("Content-Security-Policy", h.pageCSP)
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "SAMEORIGIN")
	sum := sha256.Sum256(buf.Bytes())
	hdr.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(buf.Bytes()))
}
