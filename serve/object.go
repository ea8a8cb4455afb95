package serve

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/imgmirror/imgmirror/storage"
)

// objectCSP is sent with every raw object: should the store hold an HTML
// or SVG document, a browser opening it runs nothing and loads nothing.
const objectCSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

// serveObject answers GET and HEAD for the object under key.
func (h *Handler) serveObject(w http.ResponseWriter, r *http.Request, key string) {
	if strings.HasSuffix(key, "/") {
		h.fail(w, http.StatusNotFound) // a "directory": no listings
		return
	}
	if storage.ValidKey(key) != nil {
		h.fail(w, http.StatusBadRequest)
		return
	}
	var (
		content io.ReadSeeker
		info    storage.Info
	)
	if r.Method == http.MethodHead {
		var err error
		if info, err = h.store.Stat(r.Context(), key); err != nil {
			h.storeError(w, r, key, err)
			return
		}
		content = &forwardSeeker{r: strings.NewReader(""), size: info.Size}
	} else {
		body, i, err := h.store.Get(r.Context(), key)
		if err != nil {
			h.storeError(w, r, key, err)
			return
		}
		defer body.Close()
		info = i
		if rs, ok := body.(io.ReadSeeker); ok {
			content = rs
		} else {
			content = &forwardSeeker{r: body, size: info.Size}
		}
	}
	if _, ok := content.(*forwardSeeker); ok && strings.Contains(r.Header.Get("Range"), ",") {
		// A stream cannot go back for out-of-order ranges: send it all.
		r.Header.Del("Range")
	}
	hdr := w.Header()
	hdr.Set("Content-Type", contentType(info))
	hdr.Set("Cache-Control", cacheControl(key, info))
	hdr.Set("Content-Security-Policy", objectCSP)
	if etag := etagFor(key, info); etag != "" {
		hdr.Set("ETag", etag)
	}
	http.ServeContent(w, r, "", info.ModTime, content)
}

// contentType is the type the store recorded, or a safe default.
func contentType(info storage.Info) string {
	if info.ContentType != "" {
		return info.ContentType
	}
	return "application/octet-stream"
}

// cacheControl is what the store recorded for the object, else immutable
// for originals and thumbnails (content-addressed) and no-cache for the
// rest (articles and manifests change when re-archived).
func cacheControl(key string, info storage.Info) string {
	switch {
	case info.CacheControl != "":
		return info.CacheControl
	case strings.HasPrefix(key, "img/"), strings.HasPrefix(key, "thumb/"):
		return storage.CacheImmutable
	}
	return storage.CacheNoCache
}

// etagFor is the quoted SHA-256 in the name of a content-addressed key,
// else the store's ETag (quoted if the store did not), else "".
func etagFor(key string, info storage.Info) string {
	if sum := contentDigest(key); sum != "" {
		return `"` + sum + `"`
	}
	e := info.ETag
	switch {
	case e == "":
		return ""
	case strings.HasPrefix(e, `"`) || strings.HasPrefix(e, `W/"`):
		return e
	case strings.ContainsAny(e, "\"\\\r\n"):
		return ""
	}
	return `"` + e + `"`
}

// contentDigest returns the SHA-256 named by an original's key
// img/XX/SHA.EXT or a thumbnail's key thumb/W/XX/SHA.EXT, where XX is the
// first two digits of SHA, or "" for any other key.
func contentDigest(key string) string {
	seg := strings.Split(key, "/")
	switch {
	case len(seg) == 3 && seg[0] == "img":
		seg = seg[1:]
	case len(seg) == 4 && seg[0] == "thumb" && isDigits(seg[1]):
		seg = seg[2:]
	default:
		return ""
	}
	sum, _, ok := strings.Cut(seg[1], ".")
	if !ok || len(sum) != 64 || !isLowerHex(sum) || seg[0] != sum[:2] {
		return ""
	}
	return sum
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func isLowerHex(s string) bool {
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// errBackwards is returned when a forwardSeeker is asked to read before
// what it has already read.
var errBackwards = errors.New("serve: cannot seek backwards in a stream")

// forwardSeeker gives a stream of known size the io.ReadSeeker that
// http.ServeContent needs: it reports the size, and a seek forward is
// done by reading and discarding the skipped bytes on the next Read.
// ServeContent seeks to the end and back to learn the size, then to the
// start of a single range, which is all it ever needs for one range.
type forwardSeeker struct {
	r    io.Reader
	size int64
	pos  int64 // bytes read from r
	off  int64 // the offset Seek asked for
}

// Seek implements io.Seeker; it moves no bytes.
func (s *forwardSeeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	default:
		return 0, fmt.Errorf("serve: bad whence %d", whence)
	}
	if offset < 0 {
		return 0, errors.New("serve: negative offset")
	}
	s.off = offset
	return offset, nil
}

// Read implements io.Reader.
func (s *forwardSeeker) Read(p []byte) (int, error) {
	if s.off < s.pos {
		return 0, errBackwards
	}
	if s.off > s.pos {
		n, err := io.CopyN(io.Discard, s.r, s.off-s.pos)
		s.pos += n
		if err != nil {
			return 0, err
		}
	}
	n, err := s.r.Read(p)
	s.pos += int64(n)
	s.off = s.pos
	return n, err
}
