package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // thumbnails are JPEG ...
	_ "image/png"  // ... or PNG
	"io"

	"github.com/imgmirror/imgmirror/fetch"
	"github.com/imgmirror/imgmirror/storage"
)

// object reads one object and checks it against what is expected of it.
func (v *verifier) object(ctx context.Context, c *objCheck) {
	p := Problem{Manifest: c.manifest, Key: c.key}
	report := func(kind, format string, a ...any) {
		p.Kind, p.Problem = kind, fmt.Sprintf(format, a...)
		if c.refs > 1 {
			p.Problem += fmt.Sprintf(" (needed by %d manifests)", c.refs)
		}
		v.problem(p)
	}
	what := map[objKind]string{kindAny: "linked object", kindOriginal: "original", kindThumb: "thumbnail"}[c.kind]
	v.mu.Lock()
	v.rep.Objects++
	v.mu.Unlock()
	rc, _, err := v.store.Get(ctx, c.key)
	if errors.Is(err, storage.ErrNotFound) {
		v.mu.Lock()
		c.missing = true
		v.mu.Unlock()
		if c.recorded { // a missing object only links lead to is reported per link
			report(ProblemMissing, "%s missing", what)
		}
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			report(ProblemRead, "cannot read %s: %v", what, err)
		}
		return
	}
	defer rc.Close()
	cr := &countingReader{r: rc}
	defer func() {
		v.mu.Lock()
		v.rep.Bytes += cr.n
		v.mu.Unlock()
	}()
	readErr := func(err error) {
		if ctx.Err() == nil {
			report(ProblemRead, "cannot read %s: %v", what, err)
		}
	}
	switch c.kind {
	case kindOriginal:
		h := sha256.New()
		head := &headWriter{max: 512}
		if _, err := io.CopyBuffer(io.MultiWriter(h, head), cr, make([]byte, 64<<10)); err != nil {
			readErr(err)
			return
		}
		got := hex.EncodeToString(h.Sum(nil))
		keySum, ext, keyOK := parseOriginalKey(c.key)
		want, against := keySum, "its key"
		if !keyOK {
			want, against = c.sum, "its recorded sha256"
		}
		switch {
		case got != want:
			report(ProblemCorrupt, "content does not match %s: sha256 %s, %d bytes", against, got, cr.n)
		case c.size >= 0 && cr.n != c.size:
			report(ProblemCorrupt, "size %d bytes, recorded %d", cr.n, c.size)
		case keyOK:
			if f, err := fetch.Sniff(head.b); err != nil {
				report(ProblemCorrupt, "content is %v", err)
			} else if f.Ext != ext {
				report(ProblemCorrupt, "content is %s, key says .%s", f.Name, ext)
			}
		}
	case kindThumb:
		cfg, format, err := image.DecodeConfig(cr)
		if err != nil {
			if cr.err != nil {
				readErr(cr.err)
			} else {
				report(ProblemCorrupt, "thumbnail does not decode: %v", err)
			}
			return
		}
		if _, err := io.Copy(io.Discard, cr); err != nil {
			readErr(err)
			return
		}
		if format == "jpeg" {
			format = "jpg"
		}
		_, _, ext, keyOK := parseThumbKey(c.key)
		switch {
		case c.w != 0 && cfg.Width != c.w, c.h != 0 && cfg.Height != c.h:
			report(ProblemCorrupt, "thumbnail is %dx%d, recorded %dx%d", cfg.Width, cfg.Height, c.w, c.h)
		case keyOK && ext != format:
			report(ProblemCorrupt, "thumbnail is %s, key says .%s", format, ext)
		}
	default:
		if _, err := io.Copy(io.Discard, cr); err != nil {
			readErr(err)
		}
	}
}

// indexEntry checks the URL index entry of one normalized URL and
// registers the objects it names.
func (v *verifier) indexEntry(ctx context.Context, ic *indexCheck) {
	key := IndexKey(ic.normalized)
	p := Problem{Manifest: ic.manifest, Key: key, URL: ic.normalized}
	rc, _, err := v.store.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		p.Kind, p.Problem = ProblemIndex, "URL index entry missing (a later run would fetch the image again)"
		v.problem(p)
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			p.Kind, p.Problem = ProblemRead, "cannot read URL index entry: "+err.Error()
			v.problem(p)
		}
		return
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	v.mu.Lock()
	v.rep.IndexEntries++
	v.rep.Bytes += int64(len(b))
	v.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			p.Kind, p.Problem = ProblemRead, "cannot read URL index entry: "+err.Error()
			v.problem(p)
		}
		return
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil || rec.SHA256 == "" || rec.Key == "" || rec.Normalized != ic.normalized {
		p.Kind, p.Problem = ProblemIndex, "URL index entry damaged (a later run would fetch the image again)"
		v.problem(p)
		return
	}
	if sum, _, ok := parseOriginalKey(rec.Key); !ok || sum != rec.SHA256 {
		p.Kind, p.Problem = ProblemIndex, "URL index entry names key "+rec.Key+", which is not the key of its sha256"
		v.problem(p)
		return
	}
	// The entry is what later runs link: what it names must be whole too.
	// Usually that is the manifest's own key, checked already.
	v.mu.Lock()
	defer v.mu.Unlock()
	v.later = append(v.later, laterCheck{manifest: ic.manifest, c: objCheck{key: rec.Key, kind: kindOriginal, sum: rec.SHA256, size: rec.Bytes, recorded: true}})
	for _, t := range rec.Thumbnails {
		v.later = append(v.later, laterCheck{manifest: ic.manifest, c: objCheck{key: t.Key, kind: kindThumb, size: -1, w: t.Width, h: t.Height, recorded: true}})
	}
}
