package fetch

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// stubTransport answers every request with the status and header that
// status returns for it, without a network.
func stubTransport(status func(req *http.Request) (int, http.Header)) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		code, h := status(req)
		if h == nil {
			h = http.Header{}
		}
		return &http.Response{StatusCode: code, Header: h, Body: http.NoBody, Request: req}, nil
	})
}

func okTransport() http.RoundTripper {
	return stubTransport(func(*http.Request) (int, http.Header) { return 200, nil })
}

func roundTrip(t *testing.T, rt http.RoundTripper, rawURL string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func sum(ds []time.Duration) time.Duration {
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s
}

func TestHostLimiterBurstThenRate(t *testing.T) {
	clk := newFakeClock()
	l := newHostLimiter(okTransport(), 4, 3, time.Minute, clk)
	for range 3 {
		roundTrip(t, l, "http://a.example/x")
	}
	if got := clk.slept(); len(got) != 0 {
		t.Fatalf("burst of 3 waited %v", got)
	}
	for range 8 {
		roundTrip(t, l, "http://a.example/x")
	}
	// 8 requests beyond the burst at 4/s: 2s of waiting in total, 250ms each.
	got := clk.slept()
	if len(got) != 8 || (sum(got)-2*time.Second).Abs() > time.Microsecond {
		t.Errorf("slept %v (total %v), want 8 × 250ms", got, sum(got))
	}
	// Another host has its own bucket.
	before := len(clk.slept())
	roundTrip(t, l, "http://b.example/x")
	if len(clk.slept()) != before {
		t.Error("request to another host waited")
	}
}

func TestHostLimiterNeverExceedsBucket(t *testing.T) {
	// Over any run, requests ≤ burst + rate × elapsed (fake) time.
	clk := newFakeClock()
	const r, burst, n = 10, 5, 57
	var served atomic.Int32
	inner := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		served.Add(1)
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	})
	l := newHostLimiter(inner, r, burst, time.Minute, clk)
	start := clk.Now()
	for i := range n {
		roundTrip(t, l, "http://a.example/x")
		elapsed := clk.Now().Sub(start).Seconds()
		if limit := burst + r*elapsed + 1e-6; float64(i+1) > limit {
			t.Fatalf("after %d requests only %.3fs elapsed (limit %.3f)", i+1, elapsed, limit)
		}
	}
	if served.Load() != n {
		t.Errorf("served %d", served.Load())
	}
}

func TestHostLimiterRetryAfterBlocksHost(t *testing.T) {
	clk := newFakeClock()
	first := true
	rt := stubTransport(func(req *http.Request) (int, http.Header) {
		if req.URL.Host == "a.example" && first {
			first = false
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}}
		}
		return 200, nil
	})
	l := newHostLimiter(rt, rate.Inf, 1, time.Minute, clk)
	if resp := roundTrip(t, l, "http://a.example/x"); resp.StatusCode != 429 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	roundTrip(t, l, "http://b.example/x") // other hosts are not blocked
	if got := clk.slept(); len(got) != 0 {
		t.Fatalf("other host waited %v", got)
	}
	roundTrip(t, l, "http://a.example/y")
	if got := clk.slept(); !slices.Equal(got, []time.Duration{7 * time.Second}) {
		t.Errorf("slept %v, want [7s]", got)
	}
}

func TestHostLimiterSlowdownAndRecovery(t *testing.T) {
	clk := newFakeClock()
	var throttle atomic.Bool
	rt := stubTransport(func(req *http.Request) (int, http.Header) {
		if throttle.Load() {
			return http.StatusServiceUnavailable, nil
		}
		return 200, nil
	})
	l := newHostLimiter(rt, 8, 100, time.Minute, clk)
	limit := func() rate.Limit { return l.host("a.example").lim.Limit() }
	throttle.Store(true)
	roundTrip(t, l, "http://a.example/x")
	roundTrip(t, l, "http://a.example/x") // same second: halved only once
	if limit() != 4 {
		t.Fatalf("limit after 503s = %v, want 4", limit())
	}
	for range 10 {
		clk.advance(cutInterval)
		roundTrip(t, l, "http://a.example/x")
	}
	if want := rate.Limit(8.0 / maxSlowdown); limit() != want {
		t.Fatalf("limit after many 503s = %v, want floor %v", limit(), want)
	}
	throttle.Store(false)
	for range 5 {
		clk.advance(recoverAfter)
		roundTrip(t, l, "http://a.example/x")
	}
	if limit() != 8 {
		t.Errorf("limit after recovery = %v, want 8", limit())
	}
}

func TestHostLimiterWaitRespectsContext(t *testing.T) {
	clk := newFakeClock()
	l := newHostLimiter(okTransport(), 1, 1, time.Minute, clk)
	roundTrip(t, l, "http://a.example/x")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://a.example/x", nil)
	if _, err := l.RoundTrip(req); err == nil {
		t.Fatal("RoundTrip with a cancelled context succeeded")
	}
	// The cancelled reservation was returned: the next request waits one
	// interval, not two.
	clk.mu.Lock()
	clk.sleeps = nil
	clk.mu.Unlock()
	roundTrip(t, l, "http://a.example/x")
	if got := sum(clk.slept()); got > time.Second {
		t.Errorf("waited %v after a cancelled reservation, want at most 1s", got)
	}
}

func TestFetchTakesTokenPerAttempt(t *testing.T) {
	// Through a whole Fetch (a redirect and a retry), every HTTP request
	// takes a token of its host.
	img := imageBytes(300, 30)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.URL.Path == "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case n == 2:
			http.Error(w, "x", http.StatusInternalServerError)
		default:
			serveImage(w, img)
		}
	})
	o := testOptions(t)
	o.Rate, o.Burst = 2, 1
	f, clk := newFakeClockFetcher(t, o)
	res := fetchOK(t, f, srv.URL+"/a")
	// Requests: /a (burst token), /b → 500, then after a jittered backoff
	// of at most 1ms, /a and /b again: three token waits of about 500ms
	// at 2/s (the one after the backoff shorter by the backoff).
	if srv.requests() != 4 || res.Attempts != 2 {
		t.Fatalf("requests %d, attempts %d", srv.requests(), res.Attempts)
	}
	waits := 0
	for _, d := range clk.slept() {
		if d > 490*time.Millisecond && d < 501*time.Millisecond {
			waits++
		}
	}
	if waits < 3 {
		t.Errorf("slept %v, want at least three 500ms token waits", clk.slept())
	}
}

func TestSendBurstKeepsAJitterMargin(t *testing.T) {
	for _, tc := range []struct {
		r     rate.Limit
		burst int
		want  int
	}{{10, 5, 4}, {5, 5, 4}, {50, 5, 1}, {1, 1, 1}, {rate.Inf, 7, 7}, {0.5, 3, 2}} {
		if got := sendBurst(tc.r, tc.burst); got != tc.want {
			t.Errorf("sendBurst(%v, %d) = %d, want %d", tc.r, tc.burst, got, tc.want)
		}
	}
}
