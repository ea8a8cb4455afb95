package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
)

// failure is the outcome of one failed attempt.
type failure struct {
	reason string
	err    error
	status int
	retry  bool
	waited bool // a Retry-After is being honoured by the host limiter
}

func (fl *failure) toError(rawURL string, attempts int) *Error {
	return &Error{URL: rawURL, Reason: fl.reason, StatusCode: fl.status, Attempts: attempts, Err: fl.err}
}

func fromReason(re *reasonError) *failure {
	return &failure{reason: re.reason, err: re.sentinel, retry: re.retry}
}

// attempt makes one HTTP attempt (following redirects) for u and reads the
// body.
func (f *Fetcher) attempt(ctx context.Context, u *url.URL) (*Result, *failure) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &failure{reason: "bad URL", err: ErrBadURL}
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", acceptHeader)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, classify(ctx, actx, err)
	}
	defer resp.Body.Close()
	if fl := f.checkResponse(resp); fl != nil {
		return nil, fl
	}
	stalled := transient(ErrStalled, "stalled: no data for %v", f.opts.Timeout)
	return f.readBody(ctx, actx, resp, func() { cancel(stalled) })
}

// checkResponse fails a response whose status or Content-Length rules out
// reading the body.
func (f *Fetcher) checkResponse(resp *http.Response) *failure {
	code := resp.StatusCode
	if code < 200 || code > 299 {
		throttled := code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable
		_, hasRetryAfter := retryAfter(resp.Header, f.clock.Now(), f.opts.MaxRetryAfter)
		return &failure{
			reason: fmt.Sprintf("HTTP %d", code),
			err:    ErrHTTPStatus,
			status: code,
			retry:  code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500,
			waited: throttled && hasRetryAfter,
		}
	}
	if resp.ContentLength > f.opts.MaxBytes {
		return fromReason(refuse(ErrTooLarge, "too large: over %d bytes (Content-Length %d)",
			f.opts.MaxBytes, resp.ContentLength))
	}
	return nil
}

// readBody streams the body into a Result, aborting after Options.Timeout
// without data, and checks it against the placeholders.
func (f *Fetcher) readBody(ctx, actx context.Context, resp *http.Response, onStall func()) (*Result, *failure) {
	s := newSink(f.opts.MaxBytes, f.opts.TempDir, resp.Header.Get("Content-Type"), resp.ContentLength)
	body := newStallReader(resp.Body, f.opts.Timeout, onStall)
	err := s.copyBody(body)
	body.stop()
	if err != nil {
		return nil, classifyBody(ctx, actx, err, s.size, resp.ContentLength)
	}
	if resp.ContentLength >= 0 && s.size != resp.ContentLength {
		s.abort()
		return nil, classifyBody(ctx, actx, io.ErrUnexpectedEOF, s.size, resp.ContentLength)
	}
	res, err := s.finish()
	if err != nil {
		return nil, classify(ctx, actx, err)
	}
	if f.placeholders[res.SHA256] {
		res.Close()
		return nil, &failure{reason: "hotlink placeholder", err: ErrPlaceholder}
	}
	res.FinalURL = resp.Request.URL.String()
	return res, nil
}

// classify turns the error of an attempt into a failure.
func classify(ctx, actx context.Context, err error) *failure {
	if ctx.Err() != nil {
		reason := "canceled"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			reason = "deadline exceeded"
		}
		return &failure{reason: reason, err: ctx.Err()}
	}
	var re *reasonError
	if errors.As(err, &re) || errors.As(context.Cause(actx), &re) {
		return fromReason(re)
	}
	return netFailure(err)
}

// classifyBody is classify for an error while reading the body, got of
// want bytes (want < 0: unknown): a connection that ends early is a short
// body.
func classifyBody(ctx, actx context.Context, err error, got, want int64) *failure {
	var re *reasonError
	if ctx.Err() != nil || errors.As(err, &re) || context.Cause(actx) != nil {
		return classify(ctx, actx, err)
	}
	what := "short body"
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		what = "connection reset"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
	default:
		return classify(ctx, actx, err)
	}
	progress := fmt.Sprintf("%d of %d bytes", got, want)
	if want < 0 {
		progress = fmt.Sprintf("connection ended after %d bytes", got)
	}
	return &failure{reason: what + ": " + progress, err: fmt.Errorf("%w: %w", ErrShortBody, err), retry: true}
}

// netFailure classifies a transport error: most are worth a retry, but not
// an unknown host or an untrusted certificate.
func netFailure(err error) *failure {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		hostErr x509.HostnameError
		authErr x509.UnknownAuthorityError
		ne      net.Error
	)
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		return &failure{reason: "connection reset", err: err, retry: true}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &failure{reason: "connection refused", err: err, retry: true}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &failure{reason: "connection closed by server", err: err, retry: true}
	case errors.As(err, &dnsErr):
		return &failure{reason: "DNS: " + dnsErr.Err + " " + dnsErr.Name, err: err, retry: !dnsErr.IsNotFound}
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &authErr):
		return &failure{reason: "TLS certificate: " + innermost(err), err: err}
	case errors.As(err, &ne) && ne.Timeout():
		return &failure{reason: "timeout", err: fmt.Errorf("%w: %w", ErrTimeout, err), retry: true}
	}
	return &failure{reason: innermost(err), err: err, retry: true}
}

// innermost strips the "Get \"URL\": " prefix of a *url.Error.
func innermost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
