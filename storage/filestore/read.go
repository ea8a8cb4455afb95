package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/imgmirror/imgmirror/storage"
)

// notFound returns the error for a missing object.
func notFound(key string) error {
	return fmt.Errorf("filestore: %s: %w", key, storage.ErrNotFound)
}

// isNoObject reports whether err from opening or stating a key's file
// means that no such object can exist.
func isNoObject(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENAMETOOLONG)
}

func (s *Store) check(ctx context.Context, op, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return fmt.Errorf("filestore: %s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: %s %s: %w", op, key, err)
	}
	return nil
}

// Stat implements storage.Store.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := s.check(ctx, "stat", key); err != nil {
		return storage.Info{}, err
	}
	fi, err := os.Stat(s.path(key))
	if err != nil {
		if isNoObject(err) {
			return storage.Info{}, notFound(key)
		}
		return storage.Info{}, fmt.Errorf("filestore: stat %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return storage.Info{}, notFound(key)
	}
	info, err := s.info(key, fi)
	if err != nil {
		return storage.Info{}, fmt.Errorf("filestore: stat %s: %w", key, err)
	}
	return info, nil
}

// Get implements storage.Store. The ReadCloser is the *os.File.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	if err := s.check(ctx, "get", key); err != nil {
		return nil, storage.Info{}, err
	}
	f, err := os.Open(s.path(key))
	if err != nil {
		if isNoObject(err) {
			return nil, storage.Info{}, notFound(key)
		}
		return nil, storage.Info{}, fmt.Errorf("filestore: get %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		f.Close()
		return nil, storage.Info{}, notFound(key)
	}
	var info storage.Info
	if err == nil {
		info, err = s.info(key, fi)
	}
	if err != nil {
		f.Close()
		return nil, storage.Info{}, fmt.Errorf("filestore: get %s: %w", key, err)
	}
	return f, info, nil
}

// List implements storage.Store. It walks only the directories that can
// hold keys with prefix, in lexical key order without sorting all keys,
// and skips names beginning with "." (store internals) and any file whose
// name is not a valid key. Listed Infos carry Key, Size, ModTime and ETag
// only; fn may use the store.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Info) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: list %q: %w", prefix, err)
	}
	dirKey := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirKey = prefix[:i]
		if storage.ValidKey(dirKey) != nil {
			return nil // no valid key starts with prefix
		}
	}
	return s.walk(ctx, dirKey, prefix, fn)
}

type dirEntry struct {
	key     string
	sortKey string // key, plus "/" for a directory: its keys sort after that
	de      fs.DirEntry
}

// walk lists the objects in the directory of dirKey ("" for the root)
// whose keys start with prefix.
func (s *Store) walk(ctx context.Context, dirKey, prefix string, fn func(storage.Info) error) error {
	dir := s.dir
	if dirKey != "" {
		dir = s.path(dirKey)
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		if dirKey != "" && isNoObject(err) {
			return nil
		}
		return fmt.Errorf("filestore: list %q: %w", prefix, err)
	}
	entries := make([]dirEntry, 0, len(des))
	for _, de := range des {
		key := de.Name()
		if dirKey != "" {
			key = dirKey + "/" + key
		}
		if strings.HasPrefix(de.Name(), ".") || storage.ValidKey(key) != nil {
			continue
		}
		if de.IsDir() {
			if strings.HasPrefix(key+"/", prefix) || strings.HasPrefix(prefix, key+"/") {
				entries = append(entries, dirEntry{key, key + "/", de})
			}
		} else if strings.HasPrefix(key, prefix) {
			entries = append(entries, dirEntry{key, key, de})
		}
	}
	slices.SortFunc(entries, func(a, b dirEntry) int { return strings.Compare(a.sortKey, b.sortKey) })

	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("filestore: list %q: %w", prefix, err)
		}
		if e.de.IsDir() {
			if err := s.walk(ctx, e.key, prefix, fn); err != nil {
				return err
			}
			continue
		}
		fi, err := e.de.Info()
		if err == nil && e.de.Type()&fs.ModeSymlink != 0 {
			fi, err = os.Stat(filepath.Join(dir, e.de.Name()))
		}
		if err != nil {
			if isNoObject(err) {
				continue // removed since ReadDir, or a dangling symlink
			}
			return fmt.Errorf("filestore: list %q: %w", prefix, err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if err := fn(listInfo(e.key, fi)); err != nil {
			return err
		}
	}
	return nil
}
