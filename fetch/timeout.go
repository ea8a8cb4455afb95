package fetch

import (
	"context"
	"io"
	"net/http"
	"time"
)

// headerTimeout is an http.RoundTripper that fails a request whose
// response headers have not arrived within d. It sits below the rate
// limiter, so the wait for a token does not count. The body is not
// covered: the stall watchdog in the fetcher handles it.
type headerTimeout struct {
	next http.RoundTripper
	d    time.Duration
}

// RoundTrip sends req, cancelling it after d without response headers.
func (t headerTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	timeout := transient(ErrTimeout, "timeout: no response within %v", t.d)
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(t.d, func() { cancel(timeout) })
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() {
		if resp != nil {
			resp.Body.Close()
		}
		cancel(nil)
		return nil, timeout
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases the request context of a response when its body
// is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (b cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

// stallReader calls onStall when no byte has been read for d, counting
// from its creation. onStall is expected to cancel the request, which makes
// the pending Read fail.
type stallReader struct {
	r     io.Reader
	d     time.Duration
	timer *time.Timer
}

func newStallReader(r io.Reader, d time.Duration, onStall func()) *stallReader {
	return &stallReader{r: r, d: d, timer: time.AfterFunc(d, onStall)}
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(s.d)
	}
	return n, err
}

// stop disarms the watchdog.
func (s *stallReader) stop() { s.timer.Stop() }
