package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// throttleThenServe answers the first request with status and the given
// Retry-After header (if not ""), and later ones with img.
func throttleThenServe(t *testing.T, status int, retryAfter string, img []byte) *countingServer {
	return newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			return
		}
		serveImage(w, img)
	})
}

func TestFetchRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter func(now time.Time) string
		want       time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, func(time.Time) string { return "1" }, time.Second},
		{"503 seconds", http.StatusServiceUnavailable, func(time.Time) string { return "2" }, 2 * time.Second},
		{"429 HTTP-date", http.StatusTooManyRequests, func(now time.Time) string {
			return now.Add(3 * time.Second).UTC().Format(http.TimeFormat)
		}, 3 * time.Second},
		{"capped", http.StatusTooManyRequests, func(time.Time) string { return "86400" }, DefaultMaxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := imageBytes(500, 6)
			clk := newFakeClock()
			srv := throttleThenServe(t, tt.status, tt.retryAfter(clk.Now()), img)
			f, err := newFetcher(testOptions(t), clk)
			if err != nil {
				t.Fatal(err)
			}
			res := fetchOK(t, f, srv.URL+"/a.jpg")
			if srv.requests() != 2 || res.Attempts != 2 {
				t.Errorf("requests %d, attempts %d; want 2", srv.requests(), res.Attempts)
			}
			if got := clk.slept(); !slices.Equal(got, []time.Duration{tt.want}) {
				t.Errorf("slept %v, want exactly [%v]", got, tt.want)
			}
		})
	}
}

func TestFetchCanceledDuringRetryAfter(t *testing.T) {
	srv := throttleThenServe(t, http.StatusTooManyRequests, "60", imageBytes(10, 6))
	f, clk := newFakeClockFetcher(t, testOptions(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk.onSleep = func(time.Duration) { cancel() }
	_, err := f.Fetch(ctx, srv.URL+"/a.jpg")
	if !errors.Is(err, context.Canceled) || srv.requests() != 1 {
		t.Errorf("err = %v, requests %d; want context.Canceled after 1 request", err, srv.requests())
	}
	if got := clk.slept(); !slices.Equal(got, []time.Duration{time.Minute}) {
		t.Errorf("slept %v, want the one Retry-After wait", got)
	}
}

func TestFetch503WithoutRetryAfter(t *testing.T) {
	img := imageBytes(500, 7)
	srv := throttleThenServe(t, http.StatusServiceUnavailable, "", img)
	res := fetchOK(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a.jpg")
	if srv.requests() != 2 || res.SHA256 != sha(img) {
		t.Errorf("requests %d", srv.requests())
	}
}

func TestFetch408Retried(t *testing.T) {
	img := imageBytes(500, 8)
	srv := throttleThenServe(t, http.StatusRequestTimeout, "", img)
	fetchOK(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a.jpg")
	if srv.requests() != 2 {
		t.Errorf("requests %d", srv.requests())
	}
}

// hijackAndCut answers with Content-Length len(img) but sends only the
// first sent bytes, then closes the connection (with a reset if rst).
func hijackAndCut(t *testing.T, w http.ResponseWriter, img []byte, sent int, rst bool) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(img))
	buf.Write(img[:sent])
	buf.Flush()
	if rst {
		conn.(*net.TCPConn).SetLinger(0)
	}
	conn.Close()
}

func TestFetchConnectionResetMidBody(t *testing.T) {
	img := imageBytes(20_000, 9)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			hijackAndCut(t, w, img, 5000, true)
			return
		}
		serveImage(w, img)
	})
	var log bytes.Buffer
	o := testOptions(t)
	o.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res := fetchOK(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if srv.requests() != 2 || res.Attempts != 2 || res.SHA256 != sha(img) {
		t.Errorf("requests %d, attempts %d", srv.requests(), res.Attempts)
	}
	if !strings.Contains(log.String(), "retrying") || !strings.Contains(log.String(), "connection reset") {
		t.Errorf("debug log does not show a retry after a reset:\n%s", log.String())
	}
}

func TestFetchShortBody(t *testing.T) {
	img := imageBytes(2000, 10)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		hijackAndCut(t, w, img, 600, false)
	})
	o := testOptions(t)
	o.Retries = None
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrShortBody) || e.Reason != "short body: 600 of 2000 bytes" {
		t.Errorf("error %v (reason %q)", e, e.Reason)
	}
	assertEmptyDir(t, o.TempDir)
}

func TestFetchShortBodyRetried(t *testing.T) {
	img := imageBytes(2000, 11)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			hijackAndCut(t, w, img, 600, false)
			return
		}
		serveImage(w, img)
	})
	res := fetchOK(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a.jpg")
	if srv.requests() != 2 || res.SHA256 != sha(img) {
		t.Errorf("requests %d", srv.requests())
	}
}

func TestFetchServerClosesBeforeResponse(t *testing.T) {
	img := imageBytes(700, 12)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		serveImage(w, img)
	})
	fetchOK(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a.jpg")
	if srv.requests() != 2 {
		t.Errorf("requests %d", srv.requests())
	}
}

// blockUntilGone blocks a handler until the client goes away or the test
// ends.
func blockUntilGone(t *testing.T) func(r *http.Request) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	return func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
}

func TestFetchStalled(t *testing.T) {
	img := imageBytes(5000, 13)
	block := blockUntilGone(t)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Length", strconv.Itoa(len(img)))
		w.Write(img[:1000])
		w.(http.Flusher).Flush()
		block(r)
	})
	o := testOptions(t)
	o.Timeout = 250 * time.Millisecond
	o.Retries = 1
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrStalled) || e.Reason != "stalled: no data for 250ms" {
		t.Errorf("error %v", e)
	}
	if e.Attempts != 2 || srv.requests() != 2 {
		t.Errorf("attempts %d, requests %d; want 2 (stalls are retried)", e.Attempts, srv.requests())
	}
	assertEmptyDir(t, o.TempDir)
}

func TestFetchHeaderTimeout(t *testing.T) {
	block := blockUntilGone(t)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		block(r)
	})
	o := testOptions(t)
	o.Timeout = 100 * time.Millisecond
	o.Retries = 1
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrTimeout) || e.Attempts != 2 || srv.requests() != 2 {
		t.Errorf("error %v, requests %d", e, srv.requests())
	}
}

func TestFetchHeaderTimeoutCustomTransport(t *testing.T) {
	// With a caller-supplied transport (no ResponseHeaderTimeout), the
	// fetcher's own headers timeout still applies.
	block := blockUntilGone(t)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		block(r)
	})
	o := testOptions(t)
	o.Timeout = 100 * time.Millisecond
	o.Retries = None
	o.Transport = &http.Transport{}
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrTimeout) {
		t.Errorf("error %v", e)
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"5", 5 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"99999999999999999", time.Minute, true},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(time.Hour).Format(http.TimeFormat), time.Minute, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		got, ok := retryAfter(h, now, time.Minute)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}
