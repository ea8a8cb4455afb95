package memstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imgmirror/imgmirror/storage"
)

// Store is an in-memory storage.Store. The zero value is not usable; call
// New. All methods are safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	objects map[string]object
	puts    int
	gets    int
}

type object struct {
	data []byte // never modified once stored
	info storage.Info
}

var _ storage.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{objects: make(map[string]object)}
}

// Puts returns the number of Put calls that stored bytes: creations and
// overwrites, not put-if-absent calls that found an object.
func (s *Store) Puts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts
}

// Gets returns the number of Get calls that returned an object.
func (s *Store) Gets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets
}

// Len returns the number of objects stored.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objects)
}

func (s *Store) exists(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.objects[key]
	return ok
}

// Put implements storage.Store. Without Overwrite it returns at once,
// without reading r, when key already holds an object.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts storage.PutOptions) (created bool, err error) {
	if err := storage.ValidKey(key); err != nil {
		return false, fmt.Errorf("memstore: put: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("memstore: put %s: %w", key, err)
	}
	if !opts.Overwrite && s.exists(key) {
		return false, nil
	}
	data, sum, err := readVerified(ctx, r, opts)
	if err != nil {
		return false, fmt.Errorf("memstore: put %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("memstore: put %s: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objects[key]; ok && !opts.Overwrite {
		return false, nil
	}
	s.objects[key] = object{data: data, info: storage.Info{
		Key:          key,
		Size:         int64(len(data)),
		ContentType:  opts.ContentType,
		CacheControl: opts.CacheControl,
		ModTime:      time.Now(),
		ETag:         `"` + sum[:32] + `"`,
	}}
	s.puts++
	return true, nil
}

// readVerified reads r whole, checking it against opts.Size and
// opts.SHA256, and returns the bytes and their hex SHA-256.
func readVerified(ctx context.Context, r io.Reader, opts storage.PutOptions) ([]byte, string, error) {
	var want []byte
	if opts.SHA256 != "" {
		var err error
		want, err = hex.DecodeString(opts.SHA256)
		if err != nil || len(want) != sha256.Size {
			return nil, "", fmt.Errorf("invalid SHA256 option %q", opts.SHA256)
		}
	}
	if opts.Size >= 0 {
		// Read one byte more than expected to detect a longer stream
		// without reading it all.
		r = io.LimitReader(r, opts.Size+1)
	}
	var buf bytes.Buffer
	if opts.Size > 0 {
		buf.Grow(int(min(opts.Size, 64<<20)))
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(&buf, h), storage.ContextReader(ctx, r)); err != nil {
		return nil, "", err
	}
	if n := int64(buf.Len()); opts.Size >= 0 && n != opts.Size {
		if n > opts.Size {
			return nil, "", fmt.Errorf("size mismatch: expected %d bytes, got more", opts.Size)
		}
		return nil, "", fmt.Errorf("size mismatch: expected %d bytes, got %d", opts.Size, n)
	}
	got := h.Sum(nil)
	if want != nil && !bytes.Equal(got, want) {
		return nil, "", fmt.Errorf("sha256 mismatch: expected %s, actual %x", strings.ToLower(opts.SHA256), got)
	}
	return buf.Bytes(), hex.EncodeToString(got), nil
}

func (s *Store) lookup(ctx context.Context, op, key string) (object, error) {
	if err := storage.ValidKey(key); err != nil {
		return object{}, fmt.Errorf("memstore: %s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return object{}, fmt.Errorf("memstore: %s %s: %w", op, key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, ok := s.objects[key]
	if !ok {
		return object{}, fmt.Errorf("memstore: %s: %w", key, storage.ErrNotFound)
	}
	if op == "get" {
		s.gets++
	}
	return obj, nil
}

// Stat implements storage.Store.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	obj, err := s.lookup(ctx, "stat", key)
	return obj.info, err
}

// Get implements storage.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	obj, err := s.lookup(ctx, "get", key)
	if err != nil {
		return nil, storage.Info{}, err
	}
	return io.NopCloser(bytes.NewReader(obj.data)), obj.info, nil
}

// List implements storage.Store. It lists a snapshot taken when it is
// called, and fn may use the store. Listed Infos carry Key, Size, ModTime
// and ETag only.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Info) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: list %q: %w", prefix, err)
	}
	s.mu.Lock()
	var infos []storage.Info
	for key, obj := range s.objects {
		if strings.HasPrefix(key, prefix) {
			infos = append(infos, storage.Info{Key: key, Size: obj.info.Size, ModTime: obj.info.ModTime, ETag: obj.info.ETag})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(infos, func(a, b storage.Info) int { return strings.Compare(a.Key, b.Key) })
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("memstore: list %q: %w", prefix, err)
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}
