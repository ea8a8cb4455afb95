package fetch

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Defaults applied by New to Options fields left at their zero value.
const (
	DefaultRate          = 5
	DefaultBurst         = 5
	DefaultRetries       = 4
	DefaultTimeout       = 30 * time.Second
	DefaultMaxBytes      = 50 << 20
	DefaultMaxRetryAfter = 2 * time.Minute
	DefaultBaseBackoff   = 500 * time.Millisecond
	DefaultMaxRedirects  = 5
	DefaultUserAgent     = "imgmirror (+https://github.com/imgmirror/imgmirror)"
)

// None, given as Retries or MaxRedirects, means no retry or no redirect:
// zero there selects the default like everywhere else in Options.
const None = -1

// Options configures a Fetcher.
//
// Every field's zero value selects its default (the Default* constants).
// Because zero means "default", Retries and MaxRedirects take None (any
// negative value) to mean zero retries or zero redirects. Rate takes
// math.Inf(1) to mean no rate limit.
type Options struct {
	// Rate is the requests per second allowed per host (token bucket).
	Rate float64
	// Burst is the burst the origin allows per host. The fetcher keeps a
	// margin below it for connection-setup jitter (see sendBurst), so that
	// a client at the origin's own rate and burst draws no 429.
	Burst int
	// Retries is the number of retries after the first attempt, per URL.
	Retries int
	// Timeout bounds, per attempt, the wait for the connection and the
	// response headers, and the time without a body byte (stall).
	Timeout time.Duration
	// MaxBytes is the body size limit, enforced while streaming.
	MaxBytes int64
	// MaxRetryAfter caps the honoured Retry-After.
	MaxRetryAfter time.Duration
	// BaseBackoff is the first retry backoff; it doubles per retry (up to a
	// minute) and full jitter picks a random wait below it.
	BaseBackoff time.Duration
	// MaxRedirects is the number of redirects followed per attempt.
	MaxRedirects int
	// Allow is applied to the first URL and to every redirect target; nil
	// allows every http(s) URL.
	Allow func(u *url.URL) bool
	// AllowPrivate turns off the private-address guard (tests, intranets).
	AllowPrivate bool
	// Placeholders are the lowercase hex SHA-256 digests of known hotlink
	// placeholder images: a body with one of them is a failure.
	Placeholders []string
	// UserAgent is sent with every request.
	UserAgent string
	// TempDir is where bodies over 4 MiB spill; "" means os.TempDir().
	TempDir string
	// Transport is the base transport. nil means NewTransport with a
	// GuardDialer (honouring AllowPrivate and Timeout) and
	// http.ProxyFromEnvironment. A caller-supplied Transport owns dialing:
	// no address guard is added to it (wrap its dials with a GuardDialer, or
	// build it with NewTransport, to keep one).
	Transport http.RoundTripper
	// Logger receives debug events for retries; nil discards them.
	Logger *slog.Logger
}

// withDefaults returns o with defaults filled in, or an error for values
// that make no sense.
func (o Options) withDefaults() (Options, error) {
	if o.Rate < 0 || math.IsNaN(o.Rate) || o.Burst < 0 || o.Timeout < 0 || o.MaxBytes < 0 ||
		o.MaxRetryAfter < 0 || o.BaseBackoff < 0 {
		return o, errors.New("fetch: Rate, Burst, Timeout, MaxBytes, MaxRetryAfter and BaseBackoff must not be negative")
	}
	o.Rate = orDefault(o.Rate, DefaultRate)
	o.Burst = orDefault(o.Burst, DefaultBurst)
	o.Retries = max(orDefault(o.Retries, DefaultRetries), 0)
	o.Timeout = orDefault(o.Timeout, DefaultTimeout)
	o.MaxBytes = orDefault(o.MaxBytes, DefaultMaxBytes)
	o.MaxRetryAfter = orDefault(o.MaxRetryAfter, DefaultMaxRetryAfter)
	o.BaseBackoff = orDefault(o.BaseBackoff, DefaultBaseBackoff)
	o.MaxRedirects = max(orDefault(o.MaxRedirects, DefaultMaxRedirects), 0)
	o.UserAgent = orDefault(o.UserAgent, DefaultUserAgent)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.TempDir != "" {
		if fi, err := os.Stat(o.TempDir); err != nil || !fi.IsDir() {
			return o, fmt.Errorf("fetch: TempDir %q is not a directory", o.TempDir)
		}
	}
	return o, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// limit converts Options.Rate to a rate.Limit.
func (o Options) limit() rate.Limit {
	if math.IsInf(o.Rate, 1) {
		return rate.Inf
	}
	return rate.Limit(o.Rate)
}

// placeholderSet validates and indexes the placeholder digests.
func placeholderSet(digests []string) (map[string]bool, error) {
	set := make(map[string]bool, len(digests))
	for _, d := range digests {
		d = strings.ToLower(strings.TrimSpace(d))
		if b, err := hex.DecodeString(d); err != nil || len(b) != 32 {
			return nil, fmt.Errorf("fetch: placeholder %q is not a hex SHA-256 digest", d)
		}
		set[d] = true
	}
	return set, nil
}
