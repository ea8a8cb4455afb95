package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/imgmirror/imgmirror/article"
	"github.com/imgmirror/imgmirror/internal/atomicfile"
	"github.com/imgmirror/imgmirror/manifest"
	"github.com/imgmirror/imgmirror/storage"
)

// writeTimeout bounds the final writes of an article, which go on after
// an interrupt so that finished work is recorded.
const writeTimeout = 30 * time.Second

// outPath returns the file path of rel inside the output directory,
// refusing anything that would land outside it.
func (r *runner) outPath(rel string) (string, error) {
	p := filepath.FromSlash(rel)
	if !filepath.IsLocal(p) {
		return "", fmt.Errorf("output path %q is not inside %s", rel, r.opts.Out)
	}
	return filepath.Join(r.opts.Out, p), nil
}

// unchanged returns a report when the article was archived completely
// from the same input before (its manifest, in the output directory or
// the store, says so), so it needs no work at all.
func (r *runner) unchanged(ctx context.Context, d *doc) *ArticleReport {
	mp, err := r.outPath(ManifestName(d.in.Rel))
	if err != nil {
		return nil
	}
	ap, _ := r.outPath(d.in.Rel)
	m, err := manifest.Load(mp)
	if err != nil {
		if _, statErr := os.Stat(mp); !os.IsNotExist(statErr) {
			return nil
		}
		// The store's manifest stands in only for an output directory
		// without the article at all; an article without its manifest is
		// a write that was cut short (see write).
		if _, statErr := os.Stat(ap); !os.IsNotExist(statErr) {
			return nil
		}
		b, _, err := storage.ReadAll(ctx, r.opts.Store, ArticleKey(ManifestName(d.in.Rel)))
		if err != nil {
			return nil
		}
		if m, err = manifest.Decode(bytes.NewReader(b)); err != nil {
			return nil
		}
		ap = ""
	}
	if m.InputSHA256 != d.sum || !m.Complete() {
		return nil
	}
	if ap != "" {
		if _, err := os.Stat(ap); err != nil {
			return nil
		}
	}
	return &ArticleReport{Source: d.in.Source, Output: ap, Manifest: mp, Title: m.Meta.Title, Status: ArticleUnchanged, Counts: m.Counts}
}

// linker turns a store key into the link written into one copy of the
// article.
type linker func(key string) string

// outLinker links from the article written to the output directory at
// articlePath: the public URL when configured, else a relative path to the
// file store (so the backup opens offline), else the store's own URL.
func (r *runner) outLinker(articlePath string) linker {
	if l := r.publicLinker(); l != nil {
		return l
	}
	if ps, ok := r.opts.Store.(interface{ Path(string) string }); ok {
		from, err := filepath.Abs(filepath.Dir(articlePath))
		if err == nil {
			return func(key string) string {
				to, err := filepath.Abs(ps.Path(key))
				if err != nil {
					return key
				}
				rel, err := filepath.Rel(from, to)
				if err != nil {
					return to
				}
				return filepath.ToSlash(rel)
			}
		}
	}
	if u, ok := r.opts.Store.(storage.URLer); ok {
		return u.URL
	}
	return func(key string) string { return key }
}

// storeLinker links from the article's copy in the store at articleKey:
// the public URL when configured, else a path relative to it, which works
// wherever the store is served from.
func (r *runner) storeLinker(articleKey string) linker {
	if l := r.publicLinker(); l != nil {
		return l
	}
	up := strings.Repeat("../", strings.Count(path.Dir(articleKey), "/")+1)
	return func(key string) string { return up + key }
}

func (r *runner) publicLinker() linker {
	if r.opts.PublicURL == "" {
		return nil
	}
	base := strings.TrimRight(r.opts.PublicURL, "/") + "/"
	return func(key string) string { return base + key }
}

// render builds the rewritten article and its manifest for one copy.
func (r *runner) render(d *doc, jobs map[string]*job, link linker, articleRel string) ([]byte, *manifest.Manifest, error) {
	m := &manifest.Manifest{
		Schema: manifest.Schema, Tool: "imgmirror " + r.opts.Version, Source: d.in.Source, Article: articleRel,
		InputSHA256: d.sum, Store: r.opts.StoreName, PublicURL: r.opts.PublicURL, ArchivedAt: time.Now().UTC(),
		Meta: manifest.Meta(d.parsed.Meta),
	}
	var edits []article.Edit
	for i, ref := range d.parsed.Refs {
		im := manifest.Image{URL: ref.URL, Normalized: d.keys[i], Role: string(ref.Role), Line: ref.Line}
		switch j := jobs[d.keys[i]]; {
		case d.keys[i] == "":
			im.Status, im.Error = manifest.StatusSkipped, d.skip[i]
		case j == nil || (j.out.err == nil && j.out.rec == nil):
			im.Status, im.Error = manifest.StatusFailed, errInterrupted.Error()
		case j.out.err != nil:
			im.Status, im.Error = manifest.StatusFailed, j.out.err.Error()
		default:
			fillArchived(&im, j.out.rec, link)
			edits = append(edits, article.Edit{Start: ref.Start, End: ref.End, Text: ref.Text(im.StableURL)})
		}
		m.Images = append(m.Images, im)
	}
	m.Tally()
	out, err := article.Rewrite(d.in.Data, edits)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: rewrite: %w", d.in.Source, err)
	}
	sum := sha256.Sum256(out)
	m.OutputSHA256 = hex.EncodeToString(sum[:])
	return out, m, nil
}

func fillArchived(im *manifest.Image, rec *record, link linker) {
	fetched := rec.FetchedAt
	im.Status = manifest.StatusArchived
	im.SHA256, im.Bytes, im.ContentType = rec.SHA256, rec.Bytes, rec.ContentType
	im.Width, im.Height, im.Key = rec.Width, rec.Height, rec.Key
	im.StableURL = link(rec.Key)
	im.ThumbnailNote, im.FetchedFrom, im.FetchedAt = rec.ThumbnailNote, rec.FetchedFrom, &fetched
	for _, t := range rec.Thumbnails {
		im.Thumbnails = append(im.Thumbnails, manifest.Thumbnail{Width: t.Width, Height: t.Height, Key: t.Key, URL: link(t.Key)})
	}
}

// write renders the article for the store and for the output directory
// and writes both copies, in each the article before its manifest, so a
// manifest never describes an article that is not there. The article in
// the output directory comes first and its manifest last: a run cut short
// anywhere in between leaves an article without a manifest there, which
// the next run redoes (see unchanged), never a complete store copy and no
// trace in the output directory.
func (r *runner) write(ctx context.Context, d *doc, jobs map[string]*job) ArticleReport {
	a := ArticleReport{Source: d.in.Source, Title: d.parsed.Meta.Title}
	fail := func(err error) ArticleReport {
		a.Status, a.Error = ArticleError, err.Error()
		return a
	}
	ap, err := r.outPath(d.in.Rel)
	if err != nil {
		return fail(err)
	}
	mp, _ := r.outPath(ManifestName(d.in.Rel))
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()

	akey := ArticleKey(d.in.Rel)
	body, m, err := r.render(d, jobs, r.storeLinker(akey), akey)
	if err != nil {
		return fail(err)
	}
	outBody, outM, err := r.render(d, jobs, r.outLinker(ap), d.in.Rel)
	if err != nil {
		return fail(err)
	}
	if err := atomicfile.WriteFile(ap, outBody, 0o644); err != nil {
		return fail(fmt.Errorf("%s: write %s: %w", d.in.Source, ap, err))
	}
	if err := r.putMutable(wctx, akey, body, "text/markdown; charset=utf-8"); err != nil {
		a.storeErr = true
		return fail(fmt.Errorf("%s: store: %w", d.in.Source, err))
	}
	if err := r.putManifest(wctx, ArticleKey(ManifestName(d.in.Rel)), m); err != nil {
		a.storeErr = true
		return fail(fmt.Errorf("%s: store: %w", d.in.Source, err))
	}
	mb, err := outM.Encode()
	if err == nil {
		err = atomicfile.WriteFile(mp, mb, 0o644)
	}
	if err != nil {
		return fail(fmt.Errorf("%s: write %s: %w", d.in.Source, mp, err))
	}
	m = outM
	a.Output, a.Manifest, a.Counts = ap, mp, m.Counts
	a.Status = ArticleComplete
	for _, im := range m.Images {
		if im.Status == manifest.StatusFailed {
			a.Status = ArticlePartial
			a.Failures = append(a.Failures, Failure{URL: im.URL, Line: im.Line, Error: im.Error})
		}
	}
	return a
}

func (r *runner) putMutable(ctx context.Context, key string, b []byte, contentType string) error {
	sum := sha256.Sum256(b)
	_, err := put(ctx, r.opts.Store, key, func() io.Reader { return bytes.NewReader(b) }, storage.PutOptions{
		ContentType: contentType, CacheControl: storage.CacheNoCache,
		Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:]), Overwrite: true,
	})
	return err
}

func (r *runner) putManifest(ctx context.Context, key string, m *manifest.Manifest) error {
	b, err := m.Encode()
	if err != nil {
		return err
	}
	return r.putMutable(ctx, key, b, "application/json")
}
