package storagetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/imgmirror/imgmirror/storage"
)

func testLarge(t *testing.T, s storage.Store) {
	const size = 12 << 20
	h := sha256.New()
	if _, err := io.Copy(h, newGenReader(3, size)); err != nil {
		t.Fatal(err)
	}
	sum := hex.EncodeToString(h.Sum(nil))

	created, err := s.Put(t.Context(), "large/known.bin", newGenReader(3, size), storage.PutOptions{
		ContentType: "application/octet-stream", Size: size, SHA256: sum,
	})
	if err != nil || !created {
		t.Fatalf("Put of %d bytes with known size = %v, %v", size, created, err)
	}
	created, err = s.Put(t.Context(), "large/unknown.bin", newGenReader(3, size), storage.PutOptions{
		ContentType: "application/octet-stream", Size: -1,
	})
	if err != nil || !created {
		t.Fatalf("Put of %d bytes with unknown size = %v, %v", size, created, err)
	}
	for _, key := range []string{"large/known.bin", "large/unknown.bin"} {
		rc, info, err := s.Get(t.Context(), key)
		if err != nil {
			t.Fatalf("Get(%q): %v", key, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading %q: %v", key, err)
		}
		if n != size || info.Size != size {
			t.Errorf("%q: read %d bytes, Info.Size %d, want %d", key, n, info.Size, size)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sum {
			t.Errorf("%q: sha256 %s, want %s", key, got, sum)
		}
	}
}

// goAll runs fn(i) for i in [0, n) in n goroutines released together.
func goAll(n int, fn func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func genBytes(seed uint64, n int64) []byte {
	b, _ := io.ReadAll(newGenReader(seed, n))
	return b
}

func testConcurrentSameKey(t *testing.T, s storage.Store) {
	const writers = 8
	data := genBytes(4, 512<<10)
	o := opts(data)
	o.ContentType = "image/webp"
	o.CacheControl = storage.CacheImmutable
	var createdCount atomic.Int32
	goAll(writers, func(i int) {
		created, err := s.Put(t.Context(), "same/key.webp", bytes.NewReader(data), o)
		if err != nil {
			t.Errorf("writer %d: Put: %v", i, err)
		}
		if created {
			createdCount.Add(1)
		}
	})
	if n := createdCount.Load(); n != 1 {
		t.Errorf("%d of %d concurrent Puts reported created, want exactly 1", n, writers)
	}
	checkObject(t, s, "same/key.webp", data, "image/webp", storage.CacheImmutable)
	if keys := listKeys(t, s, "", nil); !slices.Equal(keys, []string{"same/key.webp"}) {
		t.Errorf("List = %q, want [same/key.webp]", keys)
	}
}

func testConcurrentOverwrite(t *testing.T, s storage.Store) {
	const writers = 8
	versions := make([][]byte, writers)
	for i := range versions {
		versions[i] = genBytes(uint64(10+i), 256<<10)
	}
	goAll(writers, func(i int) {
		o := opts(versions[i])
		o.ContentType = fmt.Sprintf("application/x-version-%d", i)
		o.Overwrite = true
		created, err := s.Put(t.Context(), "over.bin", bytes.NewReader(versions[i]), o)
		if err != nil || !created {
			t.Errorf("writer %d: Put with Overwrite = %v, %v; want true, nil", i, created, err)
		}
	})
	got, info, err := storage.ReadAll(t.Context(), s, "over.bin")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(versions, func(v []byte) bool { return bytes.Equal(v, got) })
	if i < 0 {
		t.Fatalf("after concurrent overwrites the object (%d bytes) is none of the versions written", len(got))
	}
	if want := fmt.Sprintf("application/x-version-%d", i); info.ContentType != want {
		t.Errorf("object holds version %d but ContentType %q, want %q", i, info.ContentType, want)
	}
}

func testConcurrentDifferentKeys(t *testing.T, s storage.Store) {
	const writers = 16
	keys := make([]string, writers)
	sizes := map[string]int64{}
	for i := range keys {
		keys[i] = fmt.Sprintf("c/%d/%02d.bin", i%4, i)
		sizes[keys[i]] = int64(1000 + i)
	}
	goAll(writers, func(i int) {
		data := genBytes(uint64(100+i), sizes[keys[i]])
		created, err := s.Put(t.Context(), keys[i], bytes.NewReader(data), opts(data))
		if err != nil || !created {
			t.Errorf("Put(%q) = %v, %v; want true, nil", keys[i], created, err)
		}
	})
	for i, key := range keys {
		if got := MustGet(t, s, key); !bytes.Equal(got, genBytes(uint64(100+i), sizes[key])) {
			t.Errorf("%q holds the wrong bytes", key)
		}
	}
	want := slices.Sorted(slices.Values(keys))
	if got := listKeys(t, s, "c/", sizes); !slices.Equal(got, want) {
		t.Errorf("List(\"c/\") = %q, want %q", got, want)
	}
}

func testReadWhileOverwrite(t *testing.T, s storage.Store) {
	versions := [][]byte{genBytes(20, 256<<10), genBytes(21, 256<<10)}
	put := func(i int) {
		o := opts(versions[i%2])
		o.Overwrite = true
		if _, err := s.Put(t.Context(), "rw.bin", bytes.NewReader(versions[i%2]), o); err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	put(0)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 1; i <= 10; i++ {
			put(i)
		}
		close(done)
	})
	wg.Go(func() {
		for {
			got, _, err := storage.ReadAll(t.Context(), s, "rw.bin")
			if err != nil {
				t.Errorf("Get during overwrites: %v", err)
				return
			}
			if !bytes.Equal(got, versions[0]) && !bytes.Equal(got, versions[1]) {
				t.Errorf("Get during overwrites returned %d bytes that are neither version", len(got))
				return
			}
			select {
			case <-done:
				return
			default:
			}
		}
	})
	wg.Wait()
}
