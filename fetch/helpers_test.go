package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock records sleeps instead of sleeping; each sleep advances Now.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	sleeps  []time.Duration
	onSleep func(time.Duration)
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	hook := c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	return ctx.Err()
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// imageBytes returns n bytes that sniff as a JPEG, deterministic per seed.
func imageBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// testOptions are the options most tests start from: loopback allowed, no
// rate limit, tiny backoff, temp files in a per-test directory.
func testOptions(t *testing.T) Options {
	return Options{
		AllowPrivate: true,
		Rate:         math.Inf(1),
		BaseBackoff:  time.Millisecond,
		TempDir:      t.TempDir(),
	}
}

func newTestFetcher(t *testing.T, o Options) *Fetcher {
	t.Helper()
	f, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// newFakeClockFetcher builds a Fetcher whose sleeps go to a fake clock.
func newFakeClockFetcher(t *testing.T, o Options) (*Fetcher, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	f, err := newFetcher(o, clk)
	if err != nil {
		t.Fatal(err)
	}
	return f, clk
}

// countingServer is an httptest server that counts requests and hands the
// n-th (1-based) to handle.
type countingServer struct {
	*httptest.Server
	n atomic.Int32
}

func newCountingServer(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, n int)) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handle(w, r, int(s.n.Add(1)))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *countingServer) requests() int { return int(s.n.Load()) }

// serveImage writes img as a 200 image/jpeg response with a
// Content-Length, as a CDN does.
func serveImage(w http.ResponseWriter, img []byte) {
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(img)))
	w.Write(img)
}

// fetchErr runs Fetch, expecting failure, and returns the *Error.
func fetchErr(t *testing.T, f *Fetcher, urls ...string) *Error {
	t.Helper()
	res, err := f.Fetch(context.Background(), urls...)
	if err == nil {
		res.Close()
		t.Fatalf("Fetch(%v) succeeded, want error", urls)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Fetch error %T %v is not *Error", err, err)
	}
	return e
}

// fetchOK runs Fetch, expecting success, and closes the result at cleanup.
func fetchOK(t *testing.T, f *Fetcher, urls ...string) *Result {
	t.Helper()
	res, err := f.Fetch(context.Background(), urls...)
	if err != nil {
		t.Fatalf("Fetch(%v): %v", urls, err)
	}
	t.Cleanup(func() { res.Close() })
	return res
}

// assertEmptyDir fails if dir has entries (left-over temp files).
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left-over file %s in %s", e.Name(), dir)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
