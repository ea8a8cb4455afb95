package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrNotFound is returned (possibly wrapped) by Stat and Get when no object
// exists under the key. Test for it with errors.Is.
var ErrNotFound = errors.New("storage: object not found")

// ErrThrottled is returned (wrapped) when a remote store asks the client to
// slow down (S3 SlowDown, 503, 429). Nothing was stored; the same Put may
// be tried again after a pause.
var ErrThrottled = errors.New("storage: throttled by the store")

// ErrInvalidKey is returned (wrapped) when a key breaks the rules of ValidKey.
var ErrInvalidKey = errors.New("storage: invalid key")

// Cache-Control values used by imgmirror.
const (
	// CacheImmutable is for content-addressed objects (originals, thumbnails,
	// URL index entries): their bytes never change under the same key.
	CacheImmutable = "public, max-age=31536000, immutable"
	// CacheNoCache is for articles and manifests, which a re-run may replace.
	CacheNoCache = "no-cache"
)

// PutOptions describe an object being written.
type PutOptions struct {
	// ContentType is stored with the object and returned by Stat and Get.
	ContentType string
	// CacheControl is stored with the object and returned by Stat and Get.
	CacheControl string
	// Size is the number of bytes r yields, or -1 when unknown. A store may
	// use it to choose an upload strategy; when it is >= 0 and r yields a
	// different count, Put fails and stores nothing. Note that the zero
	// value means an empty object: callers that do not know the size must
	// say -1.
	Size int64
	// SHA256 is the lowercase hex SHA-256 of the bytes, or "" when unknown.
	// When set, a store verifies it (locally or server side) and fails
	// without storing anything on mismatch.
	SHA256 string
	// Overwrite replaces an existing object instead of keeping it. It is
	// for mutable objects such as articles and manifests; content-addressed
	// objects are always written with Overwrite false.
	Overwrite bool
}

// Info describes a stored object.
type Info struct {
	Key          string
	Size         int64
	ContentType  string
	CacheControl string
	ModTime      time.Time
	// ETag is an opaque validator for the current bytes, "" when unknown.
	ETag string
}

// Store is a flat key/value object store: the local directory, memory, or
// an S3-compatible bucket.
//
// Rules every implementation follows (checked by storagetest.Run):
//   - Keys satisfy ValidKey; anything else fails with ErrInvalidKey and
//     touches nothing.
//   - Put is atomic: readers see either no object or the complete object,
//     never a partial one, even if the process dies mid-write. If r fails,
//     or its length or digest does not match PutOptions, nothing is stored.
//   - Put without Overwrite is put-if-absent: when an object already exists
//     under key it is left untouched and Put returns created == false and a
//     nil error (concurrent writers of the same key both succeed, one wins).
//     Put may then return without reading r at all. With Overwrite, created
//     is true whenever Put succeeds.
//   - Stat and Get return an error wrapping ErrNotFound for a missing key.
//   - List calls fn for every object whose key starts with prefix, in
//     lexical key order, and stops at the first error fn returns (returning
//     it). Only Key, Size and ModTime of the Info are guaranteed (listings
//     of remote stores carry no content types); use Stat for the rest.
//     Temporary or internal files are never listed.
//   - All methods are safe for concurrent use.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (created bool, err error)
	Stat(ctx context.Context, key string) (Info, error)
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	List(ctx context.Context, prefix string, fn func(Info) error) error
}

// Checker is implemented by stores that can verify up front that they are
// usable (reachable, authenticated, bucket exists). The pipeline calls
// Check before fetching anything.
type Checker interface {
	Check(ctx context.Context) error
}

// URLer is implemented by stores that have a URL of their own for a key
// (for example an S3 bucket's object URL). The pipeline uses it for stable
// links when no public URL is configured.
type URLer interface {
	URL(key string) string
}

// ValidKey reports whether key is acceptable to every Store: non-empty,
// at most 1024 bytes, slash-separated segments that are non-empty, not
// "." or "..", do not start with "." (reserved for store internals), and
// contain no backslash, NUL or other control characters.
func ValidKey(key string) error {
	if key == "" || len(key) > 1024 {
		return fmt.Errorf("%w: %q: empty or longer than 1024 bytes", ErrInvalidKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg[0] == '.' {
			return fmt.Errorf("%w: %q: empty segment or segment starting with '.'", ErrInvalidKey, key)
		}
	}
	for _, c := range key {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return fmt.Errorf("%w: %q: control character or backslash", ErrInvalidKey, key)
		}
	}
	return nil
}

// ReadAll reads the whole object under key.
func ReadAll(ctx context.Context, s Store, key string) ([]byte, Info, error) {
	rc, info, err := s.Get(ctx, key)
	if err != nil {
		return nil, Info{}, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, Info{}, fmt.Errorf("read %s: %w", key, err)
	}
	return b, info, nil
}

// ContextReader returns a reader that fails with ctx's error once ctx is
// done, so that a long Put stops when its context is cancelled.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
