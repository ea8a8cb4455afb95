package fetch

import (
	"context"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"time"

	"golang.org/x/time/rate"
)

// maxBackoff caps the exponential backoff before jitter.
const maxBackoff = time.Minute

// acceptHeader prefers images without asking for a particular format, so
// that a CDN serves the original rather than a transcoded rendition.
const acceptHeader = "image/*,*/*;q=0.8"

// Fetcher downloads images. It is safe for concurrent use; share one per
// process so that all requests to a host share its rate limit.
type Fetcher struct {
	opts         Options
	client       *http.Client
	clock        clock
	placeholders map[string]bool
}

// New returns a Fetcher configured by opts (see Options for the defaults).
//
// The layers are composed here: the base transport (Options.Transport, or
// NewTransport with a GuardDialer), wrapped by the headers timeout, wrapped
// by the per-host rate limiter, used by an http.Client whose CheckRedirect
// enforces the URL rules; Fetch adds the retry loop on top.
func New(opts Options) (*Fetcher, error) {
	return newFetcher(opts, realClock{})
}

func newFetcher(opts Options, clk clock) (*Fetcher, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ph, err := placeholderSet(o.Placeholders)
	if err != nil {
		return nil, err
	}
	f := &Fetcher{opts: o, clock: clk, placeholders: ph}
	base := o.Transport
	if base == nil {
		base = defaultTransport(o)
	}
	f.client = &http.Client{
		Transport:     newHostLimiter(headerTimeout{next: base, d: o.Timeout}, o.limit(), sendBurst(o.limit(), o.Burst), o.MaxRetryAfter, clk),
		CheckRedirect: f.checkRedirect,
	}
	return f, nil
}

// defaultTransport is NewTransport with a GuardDialer set up from o and the
// proxy taken from the environment.
func defaultTransport(o Options) *http.Transport {
	d := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}
	g := &GuardDialer{Dial: d.DialContext, AllowPrivate: o.AllowPrivate}
	t := NewTransport(g, http.ProxyFromEnvironment)
	t.ResponseHeaderTimeout = o.Timeout
	return t
}

// Fetch downloads the first of urls that succeeds. The URLs are
// alternatives for the same image (e.g. the original-size URL, then the URL
// as written); duplicates are tried once. Each URL gets the full retry
// policy. If all fail, the error is an *Error for the last URL tried whose
// Earlier field holds the failures of the URLs before it. When ctx is done,
// Fetch stops at once and the error wraps ctx.Err().
//
// The caller must Close the Result.
func (f *Fetcher) Fetch(ctx context.Context, urls ...string) (*Result, error) {
	start := time.Now()
	if len(urls) == 0 {
		return nil, &Error{Reason: "no URL given", Err: ErrBadURL}
	}
	var failed []*Error
	attempts := 0
	for i, raw := range urls {
		if slices.Contains(urls[:i], raw) {
			continue
		}
		res, e := f.fetchURL(ctx, raw, &attempts)
		if e == nil {
			res.Attempts = attempts
			res.Duration = time.Since(start)
			return res, nil
		}
		failed = append(failed, e)
		if ctx.Err() != nil {
			break
		}
	}
	last := failed[len(failed)-1]
	last.Earlier = slices.Clip(failed[:len(failed)-1])
	return nil, last
}

// fetchURL runs the retry loop for one URL, adding its attempts to
// *attempts.
func (f *Fetcher) fetchURL(ctx context.Context, raw string, attempts *int) (*Result, *Error) {
	u, re := parseURL(raw, f.opts.Allow, f.opts.AllowPrivate)
	if re != nil {
		return nil, &Error{URL: raw, Reason: re.reason, Err: re.sentinel}
	}
	for n := 1; ; n++ {
		res, fl := f.attempt(ctx, u)
		*attempts++
		if fl == nil {
			res.URL = raw
			return res, nil
		}
		if !fl.retry || n > f.opts.Retries || ctx.Err() != nil {
			return nil, fl.toError(raw, n)
		}
		delay := f.backoff(n)
		if fl.waited {
			delay = 0 // the host limiter holds the next request until Retry-After
		}
		f.opts.Logger.DebugContext(ctx, "fetch: retrying", "url", raw, "attempt", n,
			"reason", fl.reason, "status", fl.status, "delay", delay)
		if delay <= 0 {
			continue
		}
		if err := f.clock.Sleep(ctx, delay); err != nil {
			e := fl.toError(raw, n)
			e.Reason = "canceled while waiting to retry after " + fl.reason
			e.Err = err
			return nil, e
		}
	}
}

// backoff returns the wait before retry n (1-based): a random duration in
// [0, BaseBackoff·2^(n-1)], the bound capped at maxBackoff (or at
// BaseBackoff if that is larger): full jitter.
func (f *Fetcher) backoff(n int) time.Duration {
	ceiling := max(maxBackoff, f.opts.BaseBackoff)
	bound := f.opts.BaseBackoff
	for i := 1; i < n && bound < ceiling; i++ {
		bound *= 2
	}
	bound = min(bound, ceiling)
	if bound <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(bound) + 1))
}

// jitterMargin is how much connection setup (DNS, TCP, TLS, proxy) may
// bunch requests up between leaving the limiter and reaching the origin:
// a token is taken before the connection is ready, so the first requests
// of a burst arrive late and the next, on a reused connection, early.
const jitterMargin = 100 * time.Millisecond

// sendBurst is the client bucket size for an origin that allows burst
// requests at rate r: the burst less the tokens the origin's own bucket
// could be short by after jitterMargin of bunching, and at least 1. Sent
// this way, a client at the origin's own rate and burst never draws a 429.
func sendBurst(r rate.Limit, burst int) int {
	if r == rate.Inf {
		return burst
	}
	return max(1, burst-int(math.Ceil(float64(r)*jitterMargin.Seconds())))
}
