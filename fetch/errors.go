package fetch

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors wrapped by Error.Err; test for them with errors.Is.
var (
	// ErrPlaceholder: the body is a known hotlink placeholder image.
	ErrPlaceholder = errors.New("hotlink placeholder")
	// ErrNotImage: the body is not a JPEG, PNG, GIF or WebP image.
	ErrNotImage = errors.New("not an image")
	// ErrTooLarge: the body is larger than Options.MaxBytes.
	ErrTooLarge = errors.New("too large")
	// ErrHostNotAllowed: Options.Allow refused the URL or a redirect target.
	ErrHostNotAllowed = errors.New("host not allowed")
	// ErrPrivateAddress: the host resolves to a non-public address.
	ErrPrivateAddress = errors.New("private address refused")
	// ErrScheme: the URL's scheme is not http or https.
	ErrScheme = errors.New("unsupported scheme")
	// ErrBadURL: the URL cannot be parsed, has no host or carries user-info.
	ErrBadURL = errors.New("bad URL")
	// ErrHTTPStatus: the server answered with a non-2xx status.
	ErrHTTPStatus = errors.New("HTTP error status")
	// ErrTooManyRedirects: more than Options.MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrStalled: no body byte arrived for Options.Timeout.
	ErrStalled = errors.New("stalled")
	// ErrTimeout: no connection or response headers within Options.Timeout,
	// or another network timeout.
	ErrTimeout = errors.New("timeout")
	// ErrShortBody: the connection ended before the whole body arrived.
	ErrShortBody = errors.New("short body")
)

// Error is the failure of one Fetch: the failure of the last URL tried, with
// the failures of the URLs tried before it in Earlier.
type Error struct {
	URL        string
	Reason     string // short and human, e.g. "HTTP 404", "hotlink placeholder"
	StatusCode int    // HTTP status of the last response, 0 if none
	Attempts   int    // HTTP attempts made for URL
	Err        error  // a sentinel such as ErrHTTPStatus (maybe wrapping a cause), ctx.Err(), or a network error
	Earlier    []*Error
}

// Error returns "<URL>: <Reason> (after N attempts)", followed by the
// earlier URLs' reasons when there were any.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (after %d attempt%s)", e.URL, e.Reason, e.Attempts, plural(e.Attempts))
	if len(e.Earlier) > 0 {
		b.WriteString("; earlier:")
		for i, p := range e.Earlier {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " %s: %s", p.URL, p.Reason)
		}
	}
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// reasonError is the error the layers below Fetch return for a failure they
// can name: it carries the human reason, the sentinel and whether a retry
// may help.
type reasonError struct {
	sentinel error
	reason   string
	retry    bool
}

func (e *reasonError) Error() string { return e.reason }
func (e *reasonError) Unwrap() error { return e.sentinel }

// refuse returns a non-retryable reasonError.
func refuse(sentinel error, format string, args ...any) *reasonError {
	return &reasonError{sentinel: sentinel, reason: fmt.Sprintf(format, args...)}
}

// transient returns a retryable reasonError.
func transient(sentinel error, format string, args ...any) *reasonError {
	return &reasonError{sentinel: sentinel, reason: fmt.Sprintf(format, args...), retry: true}
}
