package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/imgmirror/imgmirror/internal/atomicfile"
	"github.com/imgmirror/imgmirror/storage"
)

const (
	tmpDir  = ".tmp"
	metaDir = ".meta"
	// staleTemp is how old a file in .tmp must be before New removes it.
	staleTemp = time.Hour
)

// Store is a storage.Store keeping objects as files in a directory. All
// methods are safe for concurrent use.
type Store struct {
	dir string // absolute, cleaned
	// link makes a hard link; os.Link except in tests.
	link  func(oldname, newname string) error
	locks keyLocks
}

var (
	_ storage.Store   = (*Store)(nil)
	_ storage.Checker = (*Store)(nil)
)

// New returns a Store keeping its objects in dir, creating dir (and its
// internal directories) if needed, and removes temporary files that
// earlier runs left behind more than an hour ago.
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("filestore: empty directory name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	s := &Store{dir: abs, link: os.Link}
	for _, d := range []string{s.dir, s.internal(tmpDir), s.internal(metaDir)} {
		if err := atomicfile.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("filestore: %w", err)
		}
	}
	// Best effort: a failure to clean up must not stop a run.
	_, _ = s.CleanTemp(staleTemp)
	return s, nil
}

// Dir returns the absolute directory holding the objects.
func (s *Store) Dir() string { return s.dir }

// Path returns the file that holds (or would hold) the object under key,
// or "" if key is invalid. It is absolute, so relative links between
// objects can be computed with filepath.Rel.
func (s *Store) Path(key string) string {
	if storage.ValidKey(key) != nil {
		return ""
	}
	return s.path(key)
}

// path is Path for a key already validated.
func (s *Store) path(key string) string {
	return filepath.Join(s.dir, filepath.FromSlash(key))
}

func (s *Store) internal(name string) string {
	return filepath.Join(s.dir, name)
}

// Check implements storage.Checker: it verifies that the directory exists
// and that files can be created in it.
func (s *Store) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: check: %w", err)
	}
	fi, err := os.Stat(s.dir)
	if err != nil {
		return fmt.Errorf("filestore: check: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("filestore: check: %s is not a directory", s.dir)
	}
	f, err := s.createTemp("check-")
	if err != nil {
		return fmt.Errorf("filestore: check: %s is not writable: %w", s.dir, err)
	}
	_, werr := f.Write([]byte("ok\n"))
	cerr := f.Close()
	os.Remove(f.Name())
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("filestore: check: %s is not writable: %w", s.dir, err)
	}
	return nil
}

// createTemp creates a new file in DIR/.tmp, recreating that directory if
// something removed it.
func (s *Store) createTemp(prefix string) (*os.File, error) {
	f, err := atomicfile.CreateTemp(s.internal(tmpDir), prefix, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		if err := atomicfile.MkdirAll(s.internal(tmpDir), 0o755); err != nil {
			return nil, err
		}
		f, err = atomicfile.CreateTemp(s.internal(tmpDir), prefix, 0o644)
	}
	return f, err
}

// CleanTemp removes files in DIR/.tmp last modified more than olderThan
// ago: debris of writes that were interrupted by a crash. Files of writes
// in progress are younger, since writing updates their modification time.
// It returns how many files it removed.
func (s *Store) CleanTemp(olderThan time.Duration) (int, error) {
	des, err := os.ReadDir(s.internal(tmpDir))
	if err != nil {
		return 0, fmt.Errorf("filestore: clean temp: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	var errs []error
	for _, de := range des {
		if de.IsDir() {
			continue
		}
		fi, err := de.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(s.internal(tmpDir), de.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("filestore: clean temp: %w", err)
	}
	return removed, nil
}

// keyLocks serializes the commit step of Puts of the same key.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int // guarded by keyLocks.mu
}

// lock locks key and returns the function that unlocks it.
func (l *keyLocks) lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*keyLock)
	}
	kl := l.m[key]
	if kl == nil {
		kl = &keyLock{}
		l.m[key] = kl
	}
	kl.refs++
	l.mu.Unlock()

	kl.mu.Lock()
	return func() {
		kl.mu.Unlock()
		l.mu.Lock()
		kl.refs--
		if kl.refs == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
}
