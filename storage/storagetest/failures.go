package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/imgmirror/imgmirror/storage"
)

func isInvalidKey(err error) bool { return errors.Is(err, storage.ErrInvalidKey) }

// checkFailedPut checks that a Put that should fail did, and that it left
// no trace: key absent and nothing listed, or, when old is not nil, key
// still holding old.
func checkFailedPut(t *testing.T, s storage.Store, what, key string, created bool, err error, old []byte) {
	t.Helper()
	if err == nil {
		t.Errorf("Put(%q) with %s succeeded (created = %v), want an error", key, what, created)
	}
	if created {
		t.Errorf("Put(%q) with %s: created = true together with an error", key, what)
	}
	if old == nil {
		checkAbsent(t, s, key)
		checkEmpty(t, s)
		return
	}
	if got := MustGet(t, s, key); !bytes.Equal(got, old) {
		t.Errorf("after a failed overwrite with %s, %q holds %d bytes, want the old %d bytes", what, key, len(got), len(old))
	}
}

func testSizeMismatch(t *testing.T, s storage.Store) {
	data := bytes.Repeat([]byte("0123456789"), 10_000)
	for _, size := range []int64{int64(len(data)) + 1, int64(len(data)) - 1, 0} {
		o := opts(data)
		o.Size = size
		created, err := s.Put(t.Context(), "sz.bin", bytes.NewReader(data), o)
		checkFailedPut(t, s, "a wrong Size", "sz.bin", created, err, nil)
	}
	// Without the digest too, so only the size can tell.
	created, err := s.Put(t.Context(), "sz.bin", bytes.NewReader(data), storage.PutOptions{Size: 5})
	checkFailedPut(t, s, "a too small Size", "sz.bin", created, err, nil)
	created, err = s.Put(t.Context(), "sz.bin", bytes.NewReader(data), storage.PutOptions{Size: int64(len(data)) * 2})
	checkFailedPut(t, s, "a too large Size", "sz.bin", created, err, nil)

	// A failed overwrite keeps the old object.
	old := []byte("old bytes")
	mustCreate(t, s, "sz.bin", old, opts(old))
	o := opts(data)
	o.Size = 3
	o.Overwrite = true
	created, err = s.Put(t.Context(), "sz.bin", bytes.NewReader(data), o)
	checkFailedPut(t, s, "a wrong Size and Overwrite", "sz.bin", created, err, old)
}

func testSHA256Mismatch(t *testing.T, s storage.Store) {
	data := bytes.Repeat([]byte("abcdefgh"), 10_000)
	wrong := sha256Hex([]byte("something else"))
	o := opts(data)
	o.SHA256 = wrong
	created, err := s.Put(t.Context(), "sha.bin", bytes.NewReader(data), o)
	checkFailedPut(t, s, "a wrong SHA256", "sha.bin", created, err, nil)

	o.Size = -1
	created, err = s.Put(t.Context(), "sha.bin", bytes.NewReader(data), o)
	checkFailedPut(t, s, "a wrong SHA256 and unknown size", "sha.bin", created, err, nil)

	old := []byte("old bytes")
	mustCreate(t, s, "sha.bin", old, opts(old))
	o.Overwrite = true
	created, err = s.Put(t.Context(), "sha.bin", bytes.NewReader(data), o)
	checkFailedPut(t, s, "a wrong SHA256 and Overwrite", "sha.bin", created, err, old)
}

func testFailingReader(t *testing.T, s storage.Store) {
	errBoom := errors.New("storagetest: reader failed on purpose")
	newReader := func() io.Reader {
		return &failingReader{r: newGenReader(1, 300<<10), err: errBoom}
	}
	for _, size := range []int64{-1, 600 << 10} {
		created, err := s.Put(t.Context(), "fail/x.png", newReader(), storage.PutOptions{Size: size, ContentType: "image/png"})
		checkFailedPut(t, s, "a failing reader", "fail/x.png", created, err, nil)
	}
	old := []byte("old bytes")
	mustCreate(t, s, "fail/x.png", old, opts(old))
	created, err := s.Put(t.Context(), "fail/x.png", newReader(), storage.PutOptions{Size: -1, Overwrite: true})
	checkFailedPut(t, s, "a failing reader and Overwrite", "fail/x.png", created, err, old)
}

func testContextCancelled(t *testing.T, s storage.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	data := []byte("never stored")
	for _, overwrite := range []bool{false, true} {
		o := opts(data)
		o.Overwrite = overwrite
		created, err := s.Put(ctx, "ctx.txt", bytes.NewReader(data), o)
		checkFailedPut(t, s, "a cancelled context", "ctx.txt", created, err, nil)
	}
}

func testContextCancelledMidway(t *testing.T, s storage.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The reader cancels the context after 64 KiB, then goes on yielding
	// data for another MiB: the store must notice and store nothing.
	r := &cancellingReader{r: newGenReader(2, 1<<20+64<<10), after: 64 << 10, cancel: cancel}
	created, err := s.Put(ctx, "ctx.bin", r, storage.PutOptions{Size: -1})
	checkFailedPut(t, s, "a context cancelled midway", "ctx.bin", created, err, nil)
}

// cancellingReader calls cancel once it has yielded after bytes.
type cancellingReader struct {
	r      io.Reader
	n      int64
	after  int64
	cancel context.CancelFunc
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	if r.n >= r.after {
		r.cancel()
	}
	return n, err
}

// failingReader yields what r yields, then err instead of io.EOF.
type failingReader struct {
	r   io.Reader
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err == io.EOF {
		err = r.err
	}
	return n, err
}

// genReader yields a deterministic pseudo-random stream of n bytes without
// holding it in memory.
type genReader struct {
	state uint64
	n     int64
}

func newGenReader(seed uint64, n int64) *genReader {
	return &genReader{state: seed*0x9e3779b97f4a7c15 + 1, n: n}
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.n {
		p = p[:g.n]
	}
	for i := range p {
		// xorshift64*
		g.state ^= g.state >> 12
		g.state ^= g.state << 25
		g.state ^= g.state >> 27
		p[i] = byte((g.state * 0x2545f4914f6cdd1d) >> 56)
	}
	g.n -= int64(len(p))
	return len(p), nil
}
