package memstore_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/memstore"
	"github.com/imgmirror/imgmirror/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return memstore.New() })
}

func TestCounters(t *testing.T) {
	s := memstore.New()
	storagetest.MustPut(t, s, "a", []byte("1"))
	storagetest.MustPut(t, s, "a", []byte("1")) // exists: not a put
	if _, err := s.Put(t.Context(), "a", strings.NewReader("2"), storage.PutOptions{Size: 1, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(t.Context(), "b", strings.NewReader("too long"), storage.PutOptions{Size: 1}); err == nil {
		t.Fatal("size mismatch accepted")
	}
	if got := s.Puts(); got != 2 {
		t.Errorf("Puts() = %d, want 2", got)
	}
	// MustPut of an existing key reads it once to compare.
	if got := s.Gets(); got != 1 {
		t.Errorf("Gets() = %d, want 1", got)
	}
	if got := storagetest.MustGet(t, s, "a"); !bytes.Equal(got, []byte("2")) {
		t.Errorf("MustGet = %q", got)
	}
	if got := s.Gets(); got != 2 {
		t.Errorf("Gets() = %d, want 2", got)
	}
	if got := s.Len(); got != 1 {
		t.Errorf("Len() = %d, want 1", got)
	}
}

func TestSHA256MismatchMessage(t *testing.T) {
	s := memstore.New()
	_, err := s.Put(t.Context(), "a", strings.NewReader("x"), storage.PutOptions{Size: -1, SHA256: strings.Repeat("0", 64)})
	if err == nil || !strings.Contains(err.Error(), "expected") || !strings.Contains(err.Error(), "actual") {
		t.Fatalf("err = %v, want a message with expected and actual digests", err)
	}
}

func TestPutIsolatedFromCallerBuffer(t *testing.T) {
	s := memstore.New()
	data := []byte("abc")
	storagetest.MustPut(t, s, "k", data)
	data[0] = 'X'
	if got := storagetest.MustGet(t, s, "k"); string(got) != "abc" {
		t.Fatalf("stored bytes changed with the caller's buffer: %q", got)
	}
}
