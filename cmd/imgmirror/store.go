package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/filestore"
	"github.com/imgmirror/imgmirror/storage/s3store"
)

// openedStore is a store opened from a --store URL.
type openedStore struct {
	store storage.Store
	name  string // shown in messages and manifests; never carries secrets
	dir   string // the directory of a file store, "" otherwise
}

// openStore opens file://DIR (or a plain directory path) and
// s3://BUCKET/PREFIX?... store URLs. Failures exit with code 3.
func openStore(ctx context.Context, raw string) (*openedStore, error) {
	switch {
	case strings.HasPrefix(raw, "s3://"):
		cfg, err := s3store.ParseURL(raw)
		if err != nil {
			return nil, usageErrorf("--store: %v", err)
		}
		s, err := s3store.New(ctx, cfg)
		if err != nil {
			return nil, &exitError{code: ExitStore, err: fmt.Errorf("store %s: %w", redact(raw), err)}
		}
		return &openedStore{store: s, name: s.String()}, nil
	case strings.HasPrefix(raw, "file://"):
		u, err := url.Parse(raw)
		if err != nil {
			return nil, usageErrorf("--store %q: %v", raw, err)
		}
		return openFileStore(u.Host + u.Path)
	case strings.Contains(raw, "://"):
		return nil, usageErrorf("--store %q: unknown scheme (use file://DIR or s3://BUCKET/PREFIX)", redact(raw))
	}
	return openFileStore(raw)
}

func openFileStore(dir string) (*openedStore, error) {
	if dir == "" {
		return nil, usageErrorf("--store: file:// needs a directory, e.g. file://./mirror")
	}
	s, err := filestore.New(dir)
	if err != nil {
		return nil, &exitError{code: ExitStore, err: fmt.Errorf("store %s: %w", dir, err)}
	}
	return &openedStore{store: s, name: "file://" + filepath.ToSlash(dir), dir: dir}, nil
}

// redact drops the query of a store URL, which could carry secrets.
func redact(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i] + "?..."
	}
	return raw
}
