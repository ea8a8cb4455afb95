package storagetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/imgmirror/imgmirror/storage"
)

// Run runs the conformance suite against the stores newStore returns. It is
// called once per subtest, with that subtest's t, and must return a new,
// empty store that no other subtest uses; it can register cleanup with
// t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"PutGet", testPutGet},
		{"PutUnknownSize", testPutUnknownSize},
		{"PutIfAbsent", testPutIfAbsent},
		{"Overwrite", testOverwrite},
		{"NotFound", testNotFound},
		{"InvalidKeys", testInvalidKeys},
		{"UnusualKeys", testUnusualKeys},
		{"SizeMismatch", testSizeMismatch},
		{"SHA256Mismatch", testSHA256Mismatch},
		{"FailingReader", testFailingReader},
		{"ContextCancelled", testContextCancelled},
		{"ContextCancelledMidway", testContextCancelledMidway},
		{"Empty", testEmpty},
		{"Large", testLarge},
		{"List", testList},
		{"ListStops", testListStops},
		{"ConcurrentSameKey", testConcurrentSameKey},
		{"ConcurrentOverwrite", testConcurrentOverwrite},
		{"ConcurrentDifferentKeys", testConcurrentDifferentKeys},
		{"ReadWhileOverwrite", testReadWhileOverwrite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			tc.fn(t, s)
		})
	}
}

// MustPut stores data under key (put-if-absent, with its size and SHA-256
// as PutOptions) and fails the test on error. Putting the same bytes under
// an existing key is fine; putting different bytes fails the test, since
// the store would keep the old ones.
func MustPut(t testing.TB, s storage.Store, key string, data []byte) {
	t.Helper()
	created, err := s.Put(t.Context(), key, bytes.NewReader(data), opts(data))
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if created {
		return
	}
	old, _, err := storage.ReadAll(t.Context(), s, key)
	if err != nil {
		t.Fatalf("Put(%q) found an existing object, but reading it failed: %v", key, err)
	}
	if !bytes.Equal(old, data) {
		t.Fatalf("Put(%q): an object with other content (%d bytes) already exists, want %d bytes", key, len(old), len(data))
	}
}

// MustGet returns the bytes stored under key and fails the test on error.
func MustGet(t testing.TB, s storage.Store, key string) []byte {
	t.Helper()
	b, _, err := storage.ReadAll(t.Context(), s, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return b
}

// opts returns PutOptions with the exact size and digest of data.
func opts(data []byte) storage.PutOptions {
	return storage.PutOptions{Size: int64(len(data)), SHA256: sha256Hex(data)}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// mustCreate puts data under key with o and fails unless a new object was
// created.
func mustCreate(t *testing.T, s storage.Store, key string, data []byte, o storage.PutOptions) {
	t.Helper()
	created, err := s.Put(t.Context(), key, bytes.NewReader(data), o)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if !created {
		t.Fatalf("Put(%q) into an empty store: created = false, want true", key)
	}
}

// checkObject checks that key holds exactly want, through Stat and Get,
// with the given metadata.
func checkObject(t *testing.T, s storage.Store, key string, want []byte, contentType, cacheControl string) {
	t.Helper()
	st, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	checkInfo(t, "Stat", st, key, int64(len(want)), contentType, cacheControl)
	got, gi, err := storage.ReadAll(t.Context(), s, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	checkInfo(t, "Get", gi, key, int64(len(want)), contentType, cacheControl)
	if !bytes.Equal(got, want) {
		t.Errorf("Get(%q) returned %d bytes (sha256 %s), want %d bytes (sha256 %s)",
			key, len(got), sha256Hex(got), len(want), sha256Hex(want))
	}
	if st.ETag != "" && gi.ETag != "" && st.ETag != gi.ETag {
		t.Errorf("%q: Stat ETag %s != Get ETag %s for unchanged object", key, st.ETag, gi.ETag)
	}
}

func checkInfo(t *testing.T, op string, info storage.Info, key string, size int64, contentType, cacheControl string) {
	t.Helper()
	if info.Key != key {
		t.Errorf("%s(%q): Info.Key = %q", op, key, info.Key)
	}
	if info.Size != size {
		t.Errorf("%s(%q): Info.Size = %d, want %d", op, key, info.Size, size)
	}
	if info.ContentType != contentType {
		t.Errorf("%s(%q): Info.ContentType = %q, want %q", op, key, info.ContentType, contentType)
	}
	if info.CacheControl != cacheControl {
		t.Errorf("%s(%q): Info.CacheControl = %q, want %q", op, key, info.CacheControl, cacheControl)
	}
	// Loose bounds: clocks of a remote store may be a little off, but a
	// zero time or one off by years means a unit or parsing mistake.
	if d := time.Since(info.ModTime); d < -time.Hour || d > 24*time.Hour {
		t.Errorf("%s(%q): Info.ModTime = %v, not close to now", op, key, info.ModTime)
	}
}

// checkAbsent checks that key is not stored: Stat and Get report
// ErrNotFound.
func checkAbsent(t *testing.T, s storage.Store, key string) {
	t.Helper()
	if info, err := s.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat(%q) = %+v, %v; want ErrNotFound", key, info, err)
	}
	rc, _, err := s.Get(t.Context(), key)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get(%q) error = %v; want ErrNotFound", key, err)
	}
}

// listKeys returns the keys List(prefix) reports, failing on error, and
// checks the sizes it reports against sizes when sizes is not nil.
func listKeys(t *testing.T, s storage.Store, prefix string, sizes map[string]int64) []string {
	t.Helper()
	var keys []string
	err := s.List(t.Context(), prefix, func(info storage.Info) error {
		keys = append(keys, info.Key)
		if want, ok := sizes[info.Key]; sizes != nil && ok && info.Size != want {
			t.Errorf("List(%q): %q has Size %d, want %d", prefix, info.Key, info.Size, want)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

// checkEmpty checks that the store lists no object at all.
func checkEmpty(t *testing.T, s storage.Store) {
	t.Helper()
	if keys := listKeys(t, s, "", nil); len(keys) != 0 {
		t.Errorf("List(\"\") = %q, want no objects", keys)
	}
}
