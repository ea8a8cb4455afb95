package filestore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/filestore"
	"github.com/imgmirror/imgmirror/storage/storagetest"
)

func newStore(t *testing.T) (*filestore.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := filestore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func listAll(t *testing.T, s storage.Store, prefix string) []string {
	t.Helper()
	var keys []string
	if err := s.List(t.Context(), prefix, func(i storage.Info) error {
		keys = append(keys, i.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func dirNames(t *testing.T, dir string) []string {
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

func TestObjectIsPlainFile(t *testing.T) {
	s, dir := newStore(t)
	storagetest.MustPut(t, s, "img/ab/c.png", []byte("png bytes"))
	got, err := os.ReadFile(filepath.Join(dir, "img", "ab", "c.png"))
	if err != nil || string(got) != "png bytes" {
		t.Fatalf("file = %q, %v", got, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "img", "ab", "c.png"))
	if err != nil {
		t.Fatal(err)
	}
	// Objects get the mode os.WriteFile gives a 0o644 file (umask applies).
	ref := filepath.Join(t.TempDir(), "ref")
	writeFile(t, ref, "ref")
	rfi, err := os.Stat(ref)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != rfi.Mode().Perm() {
		t.Errorf("object mode %v, want %v", fi.Mode().Perm(), rfi.Mode().Perm())
	}
	if names := dirNames(t, filepath.Join(dir, ".tmp")); len(names) != 0 {
		t.Errorf(".tmp holds %q after a successful Put", names)
	}
}

func TestPath(t *testing.T) {
	rel, err := filepath.Rel(".", t.TempDir())
	if err != nil {
		t.Skip("temp dir not reachable by a relative path:", err)
	}
	s, err := filestore.New(rel)
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(s.Dir()) {
		t.Fatalf("Dir() = %q, want an absolute path", s.Dir())
	}
	if got, want := s.Path("img/ab/c.png"), filepath.Join(s.Dir(), "img", "ab", "c.png"); got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
	for _, key := range []string{"", "../x", "a/../../b", ".meta/x", "/abs"} {
		if got := s.Path(key); got != "" {
			t.Errorf("Path(%q) = %q, want \"\" for an invalid key", key, got)
		}
	}
	link, err := filepath.Rel(filepath.Dir(s.Path("articles/2024/post.md")), s.Path("img/ab/c.png"))
	if err != nil || filepath.ToSlash(link) != "../../img/ab/c.png" {
		t.Errorf("relative link = %q, %v", link, err)
	}
}

func TestSidecarMetadata(t *testing.T) {
	s, dir := newStore(t)
	data := []byte("{}")
	_, err := s.Put(t.Context(), "m/x.json", strings.NewReader("{}"), storage.PutOptions{
		Size: int64(len(data)), ContentType: "application/vnd.test+json", CacheControl: storage.CacheNoCache,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".meta", "m", "x.json.json"))
	if err != nil {
		t.Fatalf("sidecar: %v", err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("sidecar %q: %v", b, err)
	}
	if m["contentType"] != "application/vnd.test+json" || m["cacheControl"] != storage.CacheNoCache {
		t.Errorf("sidecar = %q", b)
	}

	// Corrupt sidecar: fall back to the extension, no cache control.
	writeFile(t, filepath.Join(dir, ".meta", "m", "x.json.json"), "not json")
	checkMeta(t, s, "m/x.json", "application/json", "")
	// Missing sidecar: the same.
	if err := os.Remove(filepath.Join(dir, ".meta", "m", "x.json.json")); err != nil {
		t.Fatal(err)
	}
	checkMeta(t, s, "m/x.json", "application/json", "")

	// Stored without content type: the extension's.
	if _, err := s.Put(t.Context(), "m/y.md", strings.NewReader("# y"), storage.PutOptions{Size: -1, CacheControl: "no-cache"}); err != nil {
		t.Fatal(err)
	}
	checkMeta(t, s, "m/y.md", "text/markdown; charset=utf-8", "no-cache")
}

func checkMeta(t *testing.T, s storage.Store, key, contentType, cacheControl string) {
	t.Helper()
	info, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != contentType || info.CacheControl != cacheControl {
		t.Errorf("Stat(%q) metadata = %q, %q; want %q, %q", key, info.ContentType, info.CacheControl, contentType, cacheControl)
	}
	rc, info, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if info.ContentType != contentType || info.CacheControl != cacheControl {
		t.Errorf("Get(%q) metadata = %q, %q; want %q, %q", key, info.ContentType, info.CacheControl, contentType, cacheControl)
	}
}

func TestFilesAddedByHand(t *testing.T) {
	s, dir := newStore(t)
	writeFile(t, filepath.Join(dir, "photos", "a.JPG"), "jpeg")
	writeFile(t, filepath.Join(dir, "photos", "b.webp"), "webp")
	writeFile(t, filepath.Join(dir, "photos", "c.bin"), "bin")
	writeFile(t, filepath.Join(dir, ".DS_Store"), "x")
	writeFile(t, filepath.Join(dir, "photos", ".hidden.png"), "x")
	writeFile(t, filepath.Join(dir, ".git", "config"), "x")
	writeFile(t, filepath.Join(dir, "bad\\name.png"), "x")
	if got, want := listAll(t, s, ""), []string{"photos/a.JPG", "photos/b.webp", "photos/c.bin"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	checkMeta(t, s, "photos/a.JPG", "image/jpeg", "")
	checkMeta(t, s, "photos/b.webp", "image/webp", "")
	checkMeta(t, s, "photos/c.bin", "application/octet-stream", "")
}

func TestContentTypeByExt(t *testing.T) {
	for key, want := range map[string]string{
		"a.jpg": "image/jpeg", "a/b.jpeg": "image/jpeg", "x.PNG": "image/png", "x.gif": "image/gif",
		"x.webp": "image/webp", "i.json": "application/json", "r.md": "text/markdown; charset=utf-8",
		"noext": "application/octet-stream", "dir.png/file": "application/octet-stream",
	} {
		if got := filestore.ContentTypeByExt(key); got != want {
			t.Errorf("ContentTypeByExt(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestCrashLeftovers(t *testing.T) {
	s, dir := newStore(t)
	// A crash mid-Put leaves a temp file; one after the sidecar but before
	// the object leaves an orphan sidecar.
	writeFile(t, filepath.Join(dir, ".tmp", "put-crashed"), "partial")
	writeFile(t, filepath.Join(dir, ".meta", "img", "x.png.json"), `{"contentType":"image/png"}`)
	if keys := listAll(t, s, ""); len(keys) != 0 {
		t.Errorf("List = %q, want nothing", keys)
	}
	if keys := listAll(t, s, ".tmp/"); len(keys) != 0 {
		t.Errorf("List(.tmp/) = %q, want nothing", keys)
	}
	if _, err := s.Stat(t.Context(), ".tmp/put-crashed"); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Stat(.tmp/put-crashed) error = %v, want ErrInvalidKey", err)
	}
	if _, err := s.Stat(t.Context(), "img/x.png"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat of a key with only an orphan sidecar: %v, want ErrNotFound", err)
	}
	// A later Put of that key works and writes its own metadata.
	if _, err := s.Put(t.Context(), "img/x.png", strings.NewReader("gif"), storage.PutOptions{Size: 3, ContentType: "image/gif"}); err != nil {
		t.Fatal(err)
	}
	checkMeta(t, s, "img/x.png", "image/gif", "")
}

func TestFailedPutsLeaveNoTemp(t *testing.T) {
	s, dir := newStore(t)
	if _, err := s.Put(t.Context(), "a", strings.NewReader("abc"), storage.PutOptions{Size: 2}); err == nil {
		t.Fatal("size mismatch accepted")
	}
	_, err := s.Put(t.Context(), "a", strings.NewReader("abc"), storage.PutOptions{Size: -1, SHA256: strings.Repeat("ab", 32)})
	if err == nil {
		t.Fatal("sha256 mismatch accepted")
	}
	if msg := err.Error(); !strings.Contains(msg, "expected "+strings.Repeat("ab", 32)) || !strings.Contains(msg, "actual ba7816bf") {
		t.Errorf("error %q does not name the expected and actual digests", msg)
	}
	if _, err := s.Put(t.Context(), "a", strings.NewReader("abc"), storage.PutOptions{Size: -1, SHA256: "nothex"}); err == nil {
		t.Fatal("malformed SHA256 option accepted")
	}
	if names := dirNames(t, filepath.Join(dir, ".tmp")); len(names) != 0 {
		t.Errorf(".tmp holds %q after failed Puts", names)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{".meta", ".tmp"}) {
		t.Errorf("store dir holds %q, want only .meta and .tmp", names)
	}
}

func TestNewCleansStaleTemp(t *testing.T) {
	dir := t.TempDir()
	if _, err := filestore.New(dir); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, ".tmp", "put-old")
	fresh := filepath.Join(dir, ".tmp", "put-fresh")
	writeFile(t, old, "old")
	writeFile(t, fresh, "fresh")
	long := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if _, err := filestore.New(dir); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, filepath.Join(dir, ".tmp")); !slices.Equal(names, []string{"put-fresh"}) {
		t.Errorf(".tmp holds %q after New, want only the fresh file", names)
	}
}

func TestKeyConflicts(t *testing.T) {
	s, _ := newStore(t)
	storagetest.MustPut(t, s, "a", []byte("file"))
	storagetest.MustPut(t, s, "d/x", []byte("below d"))
	for _, overwrite := range []bool{false, true} {
		for _, key := range []string{"a/b", "d"} {
			created, err := s.Put(t.Context(), key, strings.NewReader("x"), storage.PutOptions{Size: 1, Overwrite: overwrite})
			if err == nil || created {
				t.Errorf("Put(%q, Overwrite=%v) = %v, %v; want an error", key, overwrite, created, err)
			}
			if errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Put(%q): %v is not an invalid key", key, err)
			}
		}
	}
	// Sidecars of "a" (.meta/a.json) and "a.json/b" (.meta/a.json/b.json)
	// collide: the second Put must fail loudly and store nothing.
	if _, err := s.Put(t.Context(), "a.json/b", strings.NewReader("x"), storage.PutOptions{Size: 1}); err == nil {
		t.Error("Put(a.json/b) succeeded though its sidecar directory is a's sidecar")
	}
	storagetest.MustPut(t, s, "m.json/b", []byte("m"))
	if _, err := s.Put(t.Context(), "m", strings.NewReader("x"), storage.PutOptions{Size: 1}); err == nil {
		t.Error("Put(m) succeeded though its sidecar is m.json/'s sidecar directory")
	}
	if got := storagetest.MustGet(t, s, "a"); string(got) != "file" {
		t.Errorf("a = %q", got)
	}
	if got, want := listAll(t, s, ""), []string{"a", "d/x", "m.json/b"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func TestLongSegment(t *testing.T) {
	s, _ := newStore(t)
	key := "x/" + strings.Repeat("s", 300)
	if _, err := s.Put(t.Context(), key, strings.NewReader("x"), storage.PutOptions{Size: 1}); err == nil {
		t.Error("Put with a 300-byte segment succeeded; the file system should refuse")
	}
	if _, err := s.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat: %v, want ErrNotFound", err)
	}
}

func TestETagAndModTime(t *testing.T) {
	s, dir := newStore(t)
	storagetest.MustPut(t, s, "e.txt", []byte("12345"))
	info, err := s.Stat(t.Context(), "e.txt")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "e.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !info.ModTime.Equal(fi.ModTime()) {
		t.Errorf("ModTime = %v, file's %v", info.ModTime, fi.ModTime())
	}
	if want := fmt.Sprintf(`"5-%d"`, fi.ModTime().UnixNano()); info.ETag != want {
		t.Errorf("ETag = %s, want %s", info.ETag, want)
	}
}

func TestCheck(t *testing.T) {
	s, dir := newStore(t)
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("Check on a fresh store: %v", err)
	}
	if names := dirNames(t, filepath.Join(dir, ".tmp")); len(names) != 0 {
		t.Errorf("Check left %q in .tmp", names)
	}
	// Check recreates a removed .tmp.
	if err := os.RemoveAll(filepath.Join(dir, ".tmp")); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Errorf("Check after .tmp was removed: %v", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err == nil {
		t.Error("Check succeeded on a removed directory")
	}
	if os.Geteuid() != 0 {
		ro, _ := newStore(t)
		if err := os.Chmod(filepath.Join(ro.Dir(), ".tmp"), 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(filepath.Join(ro.Dir(), ".tmp"), 0o755) })
		if err := ro.Check(t.Context()); err == nil {
			t.Error("Check succeeded on a read-only directory")
		}
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := filestore.New(""); err == nil {
		t.Error("New(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, "x")
	if _, err := filestore.New(file); err == nil {
		t.Error("New on a regular file succeeded")
	}
}
