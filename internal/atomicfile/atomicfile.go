package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// WriteFile atomically replaces the file at path with data. See WriteFrom.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	_, err := WriteFrom(path, bytes.NewReader(data), perm)
	return err
}

// WriteFrom atomically replaces the file at path with the bytes read from r
// and returns how many were written. Missing parent directories are created
// with mode 0o755. The new file is created with perm (before umask), like
// os.WriteFile creates a new file; it replaces any existing file whatever
// that file's mode. If r or any step fails, path is left as it was and the
// temporary file is removed.
func WriteFrom(path string, r io.Reader, perm os.FileMode) (n int64, err error) {
	dir, name := filepath.Split(path)
	if name == "" {
		return 0, fmt.Errorf("atomicfile: %q: not a file name", path)
	}
	if dir == "" {
		dir = "."
	}
	if err := MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	f, err := CreateTemp(dir, "."+name+".tmp-", perm)
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	n, err = io.Copy(f, r)
	if err != nil {
		return n, fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return n, fmt.Errorf("atomicfile: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return n, fmt.Errorf("atomicfile: close %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return n, fmt.Errorf("atomicfile: %w", err)
	}
	renamed = true
	if err := SyncDir(dir); err != nil {
		return n, err
	}
	return n, nil
}

// CreateTemp creates a new file in dir, opened for writing, whose name is
// prefix followed by a random suffix. Unlike os.CreateTemp it creates the
// file with perm (before umask) rather than 0o600. The caller removes the
// file when it is no longer needed.
func CreateTemp(dir, prefix string, perm os.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("atomicfile: create temp: %w", err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("atomicfile: create temp in %s: too many collisions", dir)
}

// MkdirAll is like os.MkdirAll, but it also syncs the parent of every
// directory it creates, so that a file later synced inside a new directory
// cannot vanish with it after a crash.
func MkdirAll(dir string, perm os.FileMode) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("atomicfile: mkdir %s: not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("atomicfile: %w", err)
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MkdirAll(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil {
		// Lost a race with another creator: fine if it is a directory.
		if fi, serr := os.Stat(dir); serr == nil && fi.IsDir() {
			return nil
		}
		return fmt.Errorf("atomicfile: %w", err)
	}
	return SyncDir(parent)
}

// SyncDir flushes the directory entries of dir to disk, making renames,
// links and creations inside it durable. It does nothing on Windows, where
// directories cannot be synced.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: sync dir: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("atomicfile: sync dir %s: %w", dir, err)
	}
	return nil
}
