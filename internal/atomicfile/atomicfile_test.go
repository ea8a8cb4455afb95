package atomicfile_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/imgmirror/imgmirror/internal/atomicfile"
)

// entries returns the names in dir, sorted.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteFileCreatesParentsAndContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "c.txt")
	if err := atomicfile.WriteFile(path, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "hello" {
		t.Fatalf("content = %q, want %q", got, "hello")
	}
	if names := entries(t, filepath.Join(dir, "a", "b")); len(names) != 1 || names[0] != "c.txt" {
		t.Fatalf("directory holds %q, want only c.txt (no temp file left)", names)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&^0o644 != 0 || fi.Mode().Perm()&0o600 != 0o600 {
			t.Errorf("mode = %v, want 0644 less umask", fi.Mode().Perm())
		}
	}
}

func TestWriteFromCountsBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	n, err := atomicfile.WriteFrom(path, strings.NewReader("12345"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Fatalf("n = %d, want 5", n)
	}
}

func TestWriteFileEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty")
	if err := atomicfile.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 0 {
		t.Fatalf("size = %d, want 0", fi.Size())
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestWriteFromFailingReaderLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := atomicfile.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	_, err := atomicfile.WriteFrom(path, &failingReader{data: bytes.Repeat([]byte("x"), 100_000), err: boom}, 0o644)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap the reader's error", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "old" {
		t.Fatalf("content = %q, want the old content", got)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %q, want only f.json", names)
	}
}

func TestWriteFromFailingReaderNewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	_, err := atomicfile.WriteFrom(path, &failingReader{data: []byte("partial"), err: io.ErrUnexpectedEOF}, 0o644)
	if err == nil {
		t.Fatal("WriteFrom succeeded with a failing reader")
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Fatalf("directory holds %q, want nothing", names)
	}
}

func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	versions := [][]byte{
		bytes.Repeat([]byte("a"), 64<<10),
		bytes.Repeat([]byte("b"), 96<<10),
	}
	if err := atomicfile.WriteFile(path, versions[0], 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("read during replace: %v", err)
				return
			}
			if !bytes.Equal(got, versions[0]) && !bytes.Equal(got, versions[1]) {
				t.Errorf("reader saw a partial file of %d bytes", len(got))
				return
			}
		}
	})
	for i := range 50 {
		if err := atomicfile.WriteFile(path, versions[(i+1)%2], 0o644); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
	if names := entries(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %q, want only f", names)
	}
}

func TestWriteFileRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := atomicfile.WriteFile("rel", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile("rel"); err != nil || string(got) != "x" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
}

func TestWriteFileIntoDirectoryPathFails(t *testing.T) {
	dir := t.TempDir()
	if err := atomicfile.WriteFile(dir+string(filepath.Separator), []byte("x"), 0o644); err == nil {
		t.Fatal("WriteFile to a path ending in a separator succeeded")
	}
	file := filepath.Join(dir, "file")
	if err := atomicfile.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(filepath.Join(file, "child"), []byte("x"), 0o644); err == nil {
		t.Fatal("WriteFile below a regular file succeeded")
	}
}

func TestCreateTempName(t *testing.T) {
	dir := t.TempDir()
	f, err := atomicfile.CreateTemp(dir, ".x.tmp-", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	base := filepath.Base(f.Name())
	if !strings.HasPrefix(base, ".x.tmp-") || len(base) <= len(".x.tmp-") {
		t.Fatalf("temp name %q lacks prefix or random part", base)
	}
	if filepath.Dir(f.Name()) != dir {
		t.Fatalf("temp file %q not in %q", f.Name(), dir)
	}
}
