package fetch

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// How a host that answers 429 or 503 is slowed down: its rate is halved at
// most once per cutInterval, never below 1/maxSlowdown of the configured
// rate, and doubles back after each recoverAfter without a new cut (short
// enough that one stray 429 does not halve a whole batch's speed).
const (
	cutInterval  = time.Second
	maxSlowdown  = 32
	recoverAfter = 15 * time.Second
)

// clock is the time source of the rate limiter and the retry loop; tests
// replace it with a fake that records sleeps instead of sleeping.
type clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first, and
	// returns ctx.Err() in the latter case.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// hostLimiter is an http.RoundTripper that makes every request wait for a
// token from its host's bucket (in the style of rclone's tpslimit), and
// that reacts to 429 and 503 responses by blocking the host until the
// Retry-After time and halving the host's rate for a while.
type hostLimiter struct {
	next          http.RoundTripper
	limit         rate.Limit // configured rate; rate.Inf disables the buckets
	burst         int
	maxRetryAfter time.Duration
	clock         clock

	mu    sync.Mutex
	hosts map[string]*hostState
}

// hostState is the limiter state of one host ("host:port").
type hostState struct {
	lim *rate.Limiter

	mu           sync.Mutex
	blockedUntil time.Time // no request before this (Retry-After)
	cutAt        time.Time // last time the rate was halved
	restoreAt    time.Time // when to double the rate back; zero when at full rate
}

func newHostLimiter(next http.RoundTripper, limit rate.Limit, burst int, maxRetryAfter time.Duration, clk clock) *hostLimiter {
	return &hostLimiter{next: next, limit: limit, burst: burst, maxRetryAfter: maxRetryAfter, clock: clk}
}

// RoundTrip waits for a token of req's host, then sends req.
func (l *hostLimiter) RoundTrip(req *http.Request) (*http.Response, error) {
	h := l.host(req.URL.Host)
	if err := l.wait(req.Context(), h); err != nil {
		return nil, err
	}
	resp, err := l.next.RoundTrip(req)
	if err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		l.penalize(h, resp.Header)
	}
	return resp, err
}

func (l *hostLimiter) host(name string) *hostState {
	name = strings.ToLower(name)
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.hosts[name]
	if h == nil {
		if l.hosts == nil {
			l.hosts = make(map[string]*hostState)
		}
		h = &hostState{lim: rate.NewLimiter(l.limit, l.burst)}
		l.hosts[name] = h
	}
	return h
}

// wait blocks until h is not blocked by a Retry-After and a token is
// available, or until ctx is done.
func (l *hostLimiter) wait(ctx context.Context, h *hostState) error {
	for {
		d := h.blockedFor(l.clock.Now())
		if d <= 0 {
			break
		}
		if err := l.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
	now := l.clock.Now()
	l.recover(h, now)
	r := h.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		if err := l.clock.Sleep(ctx, d); err != nil {
			r.CancelAt(l.clock.Now())
			return err
		}
	}
	return nil
}

func (h *hostState) blockedFor(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.blockedUntil.Sub(now)
}

// penalize blocks h until the Retry-After time in hdr, if any, and halves
// its rate.
func (l *hostLimiter) penalize(h *hostState, hdr http.Header) {
	now := l.clock.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if d, ok := retryAfter(hdr, now, l.maxRetryAfter); ok && now.Add(d).After(h.blockedUntil) {
		h.blockedUntil = now.Add(d)
	}
	if l.limit == rate.Inf || now.Sub(h.cutAt) < cutInterval {
		return
	}
	if cut := h.lim.Limit() / 2; cut >= l.limit/maxSlowdown {
		h.lim.SetLimitAt(now, cut)
	}
	h.cutAt = now
	h.restoreAt = now.Add(recoverAfter)
}

// recover doubles a slowed-down host's rate back once recoverAfter has
// passed since the last cut or doubling.
func (l *hostLimiter) recover(h *hostState, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.restoreAt.IsZero() || now.Before(h.restoreAt) {
		return
	}
	next := min(h.lim.Limit()*2, l.limit)
	h.lim.SetLimitAt(now, next)
	h.restoreAt = time.Time{}
	if next < l.limit {
		h.restoreAt = now.Add(recoverAfter)
	}
}

// retryAfter parses a Retry-After header (delta-seconds or HTTP-date) into
// a wait from now, capped at maxWait. ok is false when the header is absent
// or malformed.
func retryAfter(hdr http.Header, now time.Time, maxWait time.Duration) (d time.Duration, ok bool) {
	v := strings.TrimSpace(hdr.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxWait/time.Second) {
			return maxWait, true
		}
		return min(time.Duration(secs)*time.Second, maxWait), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxWait), true
}
