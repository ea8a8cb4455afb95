package filestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/imgmirror/imgmirror/internal/atomicfile"
	"github.com/imgmirror/imgmirror/storage"
)

// Put implements storage.Store. Without Overwrite it returns at once,
// without reading r, when key already holds an object.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts storage.PutOptions) (created bool, err error) {
	if err := storage.ValidKey(key); err != nil {
		return false, fmt.Errorf("filestore: put: %w", err)
	}
	defer func() {
		if err != nil {
			created = false
			err = fmt.Errorf("filestore: put %s: %w", key, err)
		}
	}()
	if err := ctx.Err(); err != nil {
		return false, err
	}
	final := s.path(key)
	if !opts.Overwrite {
		if exists, err := objectExists(final); err != nil || exists {
			return false, err
		}
	}
	tmp, err := s.writeTemp(ctx, r, opts)
	if err != nil {
		return false, err
	}
	// After a link the temporary name must go; after a rename it is gone.
	defer os.Remove(tmp)

	unlock := s.locks.lock(key)
	defer unlock()
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if !opts.Overwrite {
		if exists, err := objectExists(final); err != nil || exists {
			return false, err
		}
	}
	parent := filepath.Dir(final)
	if err := atomicfile.MkdirAll(parent, 0o755); err != nil {
		return false, err
	}
	if err := s.writeMeta(key, opts); err != nil {
		return false, err
	}
	if opts.Overwrite {
		if err := os.Rename(tmp, final); err != nil {
			return false, explainConflict(final, err)
		}
	} else {
		created, err := s.linkNew(tmp, final)
		if err != nil || !created {
			return false, err
		}
	}
	if err := atomicfile.SyncDir(parent); err != nil {
		return false, err
	}
	return true, nil
}

// linkNew makes tmp visible as final unless final exists, and reports
// whether it did.
func (s *Store) linkNew(tmp, final string) (bool, error) {
	err := s.link(tmp, final)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		// Another writer (maybe another process) won, or final is a
		// directory.
		if exists, err := objectExists(final); err != nil || exists {
			return false, err
		}
		return false, err
	case errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EPERM):
		// No hard links here (FAT, some network file systems). Our key
		// lock is held and final was absent a moment ago: rename.
		if err := os.Rename(tmp, final); err != nil {
			return false, explainConflict(final, err)
		}
		return true, nil
	default:
		return false, err
	}
}

// objectExists reports whether final holds an object. Anything but a
// directory counts, so that a put-if-absent never replaces it.
func objectExists(final string) (bool, error) {
	fi, err := os.Lstat(final)
	switch {
	case err == nil && fi.IsDir():
		return false, errors.New("key names a directory of other objects")
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case errors.Is(err, syscall.ENOTDIR):
		return false, errors.New("a prefix of the key is an object")
	default:
		return false, err
	}
}

func explainConflict(final string, err error) error {
	if fi, serr := os.Lstat(final); serr == nil && fi.IsDir() {
		return errors.New("key names a directory of other objects")
	}
	return err
}

// writeTemp streams r into a new file in DIR/.tmp, verifying it against
// opts, syncs it and returns its name. On error nothing is left behind.
func (s *Store) writeTemp(ctx context.Context, r io.Reader, opts storage.PutOptions) (name string, err error) {
	var wantSum []byte
	if opts.SHA256 != "" {
		wantSum, err = hex.DecodeString(opts.SHA256)
		if err != nil || len(wantSum) != sha256.Size {
			return "", fmt.Errorf("invalid SHA256 option %q", opts.SHA256)
		}
	}
	f, err := s.createTemp("put-")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()

	var src io.Reader = storage.ContextReader(ctx, r)
	if opts.Size >= 0 {
		// One byte more than expected reveals a longer stream without
		// reading all of it.
		src = io.LimitReader(src, opts.Size+1)
	}
	var dst io.Writer = f
	var h hash.Hash
	if wantSum != nil {
		h = sha256.New()
		dst = io.MultiWriter(f, h)
	}
	n, err := io.CopyBuffer(dst, src, make([]byte, 256<<10))
	if err != nil {
		return "", err
	}
	if opts.Size >= 0 && n != opts.Size {
		if n > opts.Size {
			return "", fmt.Errorf("size mismatch: expected %d bytes, got more", opts.Size)
		}
		return "", fmt.Errorf("size mismatch: expected %d bytes, got %d", opts.Size, n)
	}
	if h != nil {
		if got := h.Sum(nil); !bytes.Equal(got, wantSum) {
			return "", fmt.Errorf("sha256 mismatch: expected %s, actual %x", strings.ToLower(opts.SHA256), got)
		}
	}
	// A precise modification time makes the size-mtime ETag change with
	// every Put even where file system timestamps are coarse by default.
	now := time.Now()
	if err := os.Chtimes(f.Name(), now, now); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}
