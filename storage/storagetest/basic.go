package storagetest

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/storage"
)

func testPutGet(t *testing.T, s storage.Store) {
	data := []byte("\x89PNG\r\n\x1a\n not really a png")
	o := opts(data)
	o.ContentType = "image/png"
	o.CacheControl = storage.CacheImmutable
	mustCreate(t, s, "img/ab/cdef.png", data, o)
	checkObject(t, s, "img/ab/cdef.png", data, "image/png", storage.CacheImmutable)

	md := []byte("# Title\n\n![](img/ab/cdef.png)\n")
	mustCreate(t, s, "article.md", md, storage.PutOptions{
		ContentType:  "text/markdown; charset=utf-8",
		CacheControl: storage.CacheNoCache,
		Size:         int64(len(md)),
	})
	checkObject(t, s, "article.md", md, "text/markdown; charset=utf-8", storage.CacheNoCache)
	checkObject(t, s, "img/ab/cdef.png", data, "image/png", storage.CacheImmutable)
}

func testPutUnknownSize(t *testing.T, s storage.Store) {
	data := bytes.Repeat([]byte("unknown size "), 1000)
	mustCreate(t, s, "u.bin", data, storage.PutOptions{ContentType: "application/octet-stream", Size: -1})
	checkObject(t, s, "u.bin", data, "application/octet-stream", "")
}

func testPutIfAbsent(t *testing.T, s storage.Store) {
	first := []byte("first content")
	o := opts(first)
	o.ContentType = "image/jpeg"
	o.CacheControl = storage.CacheImmutable
	mustCreate(t, s, "k.jpg", first, o)

	second := []byte("second, different content")
	o2 := opts(second)
	o2.ContentType = "image/gif"
	o2.CacheControl = storage.CacheNoCache
	created, err := s.Put(t.Context(), "k.jpg", bytes.NewReader(second), o2)
	if err != nil {
		t.Fatalf("second Put without Overwrite: %v, want nil error", err)
	}
	if created {
		t.Fatal("second Put without Overwrite: created = true, want false")
	}
	checkObject(t, s, "k.jpg", first, "image/jpeg", storage.CacheImmutable)
	if keys := listKeys(t, s, "", nil); !slices.Equal(keys, []string{"k.jpg"}) {
		t.Errorf("List = %q, want [k.jpg]", keys)
	}
}

func testOverwrite(t *testing.T, s storage.Store) {
	v1 := []byte("version one")
	v2 := []byte("version two") // same length: the ETag must still change
	o1 := opts(v1)
	o1.ContentType = "text/markdown; charset=utf-8"
	o1.CacheControl = storage.CacheNoCache
	o1.Overwrite = true
	// Overwrite of a missing key creates it.
	mustCreate(t, s, "a/index.md", v1, o1)
	st1, err := s.Stat(t.Context(), "a/index.md")
	if err != nil {
		t.Fatal(err)
	}

	o2 := opts(v2)
	o2.ContentType = "application/json"
	o2.Overwrite = true
	created, err := s.Put(t.Context(), "a/index.md", bytes.NewReader(v2), o2)
	if err != nil {
		t.Fatalf("Put with Overwrite: %v", err)
	}
	if !created {
		t.Error("Put with Overwrite over an existing object: created = false, want true (the new bytes were stored)")
	}
	checkObject(t, s, "a/index.md", v2, "application/json", "")
	st2, err := s.Stat(t.Context(), "a/index.md")
	if err != nil {
		t.Fatal(err)
	}
	if st1.ETag != "" && st1.ETag == st2.ETag {
		t.Errorf("ETag %s unchanged after the bytes were replaced", st1.ETag)
	}
	if keys := listKeys(t, s, "", nil); !slices.Equal(keys, []string{"a/index.md"}) {
		t.Errorf("List = %q, want [a/index.md]", keys)
	}
}

func testNotFound(t *testing.T, s storage.Store) {
	checkAbsent(t, s, "missing")
	checkAbsent(t, s, "missing/deeper.png")
	mustCreate(t, s, "dir/obj.png", []byte("x"), storage.PutOptions{Size: 1})
	// Neither a "directory" nor a path below an object is an object.
	checkAbsent(t, s, "dir")
	checkAbsent(t, s, "dir/obj.png/below")
	checkAbsent(t, s, "dir/obj")
	checkAbsent(t, s, "dir/obj.png.json")
	checkAbsent(t, s, "di")
}

// invalidKeys break storage.ValidKey.
func invalidKeys() []string {
	return []string{
		"", "/a", "a/", "a//b", "..", "../x", "a/../b", "./a", "a/./b",
		".hidden", "a/.hidden", ".meta/a.json", ".tmp/x",
		"a\\b", "a\x00b", "a\nb", "a\x7fb", strings.Repeat("a", 1025),
	}
}

func testInvalidKeys(t *testing.T, s storage.Store) {
	for _, key := range invalidKeys() {
		if storage.ValidKey(key) == nil {
			t.Fatalf("suite bug: %q is a valid key", key)
		}
		for _, overwrite := range []bool{false, true} {
			data := []byte("data")
			o := opts(data)
			o.Overwrite = overwrite
			created, err := s.Put(t.Context(), key, bytes.NewReader(data), o)
			if !isInvalidKey(err) || created {
				t.Errorf("Put(%q, Overwrite=%v) = %v, %v; want false, ErrInvalidKey", key, overwrite, created, err)
			}
		}
		if _, err := s.Stat(t.Context(), key); !isInvalidKey(err) {
			t.Errorf("Stat(%q) error = %v; want ErrInvalidKey", key, err)
		}
		rc, _, err := s.Get(t.Context(), key)
		if err == nil {
			rc.Close()
		}
		if !isInvalidKey(err) {
			t.Errorf("Get(%q) error = %v; want ErrInvalidKey", key, err)
		}
	}
	checkEmpty(t, s)
	// Listing with a prefix that no valid key can have is not an error.
	for _, prefix := range []string{"../", "/", ".meta/", ".tmp/", "a//", "a\\"} {
		if keys := listKeys(t, s, prefix, nil); len(keys) != 0 {
			t.Errorf("List(%q) = %q, want nothing", prefix, keys)
		}
	}
}

// unusualKeys are valid keys with characters that need care in URLs,
// shells and file systems, and a key of the maximum length.
func unusualKeys() []string {
	var long []string
	for len(strings.Join(long, "/")) < 1024-101 {
		long = append(long, strings.Repeat(string(rune('a'+len(long))), 100))
	}
	longKey := strings.Join(long, "/")
	longKey += "/" + strings.Repeat("z", 1024-len(longKey)-1)
	return []string{
		"sp ace/a+b%20c.png",
		"q?x#y&z=1;.jpg",
		"ünïcødé/日本語.png",
		"tilde~/(paren)'quote'!*.gif",
		"colon:x@y$z,w[1].md",
		"trailing.",
		"-dash",
		longKey,
	}
}

func testUnusualKeys(t *testing.T, s storage.Store) {
	keys := unusualKeys()
	if n := len(keys[len(keys)-1]); n != 1024 {
		t.Fatalf("suite bug: long key has %d bytes", n)
	}
	sizes := map[string]int64{}
	for i, key := range keys {
		if err := storage.ValidKey(key); err != nil {
			t.Fatalf("suite bug: %v", err)
		}
		data := []byte(strings.Repeat("u", i+1))
		sizes[key] = int64(len(data))
		o := opts(data)
		o.ContentType = "image/png"
		mustCreate(t, s, key, data, o)
		checkObject(t, s, key, data, "image/png", "")
	}
	want := slices.Sorted(slices.Values(keys))
	if got := listKeys(t, s, "", sizes); !slices.Equal(got, want) {
		t.Errorf("List(\"\") = %q, want %q", got, want)
	}
	for _, key := range keys {
		if got := listKeys(t, s, key, sizes); !slices.Equal(got, []string{key}) {
			t.Errorf("List(%q) = %q, want just that key", key, got)
		}
	}
}

func testEmpty(t *testing.T, s storage.Store) {
	o := opts(nil)
	o.ContentType = "application/json"
	mustCreate(t, s, "empty.json", nil, o)
	checkObject(t, s, "empty.json", []byte{}, "application/json", "")
	mustCreate(t, s, "empty-unknown", nil, storage.PutOptions{Size: -1, ContentType: "text/plain"})
	checkObject(t, s, "empty-unknown", []byte{}, "text/plain", "")
	sizes := map[string]int64{"empty.json": 0, "empty-unknown": 0}
	if keys := listKeys(t, s, "", sizes); !slices.Equal(keys, []string{"empty-unknown", "empty.json"}) {
		t.Errorf("List = %q, want [empty-unknown empty.json]", keys)
	}
}
