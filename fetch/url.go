package fetch

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// parseURL parses raw and applies checkURL.
func parseURL(raw string, allow func(*url.URL) bool, allowPrivate bool) (*url.URL, *reasonError) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, refuse(ErrBadURL, "bad URL: %v", err)
	}
	return u, checkURL(u, allow, allowPrivate)
}

// checkURL applies the rules every URL, first or redirect target, must
// pass: http or https, a host, no user-info, and allow (if not nil). Unless
// allowPrivate, a host that is a non-public IP literal or a localhost name
// is refused here, from the URL text, so that it is refused even when a
// proxy (which the dial-time guard cannot see through) would carry it.
func checkURL(u *url.URL, allow func(*url.URL) bool, allowPrivate bool) *reasonError {
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return refuse(ErrScheme, "missing scheme")
	default:
		return refuse(ErrScheme, "unsupported scheme %q", u.Scheme)
	}
	if u.User != nil {
		return refuse(ErrBadURL, "URL with user-info refused")
	}
	if u.Hostname() == "" {
		return refuse(ErrBadURL, "URL without host")
	}
	if !allowPrivate {
		host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
		if ip, err := netip.ParseAddr(host); err == nil && !IsPublicAddr(ip) {
			return refuse(ErrPrivateAddress, "private address %s refused", ip)
		}
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			return refuse(ErrPrivateAddress, "private address refused (%s)", host)
		}
	}
	if allow != nil && !allow(u) {
		return refuse(ErrHostNotAllowed, "host not allowed: %s", u.Host)
	}
	return nil
}

// checkRedirect is the client's CheckRedirect: it strips the Referer that
// net/http adds to redirects, limits their number and applies checkURL to
// the target.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	req.Header.Del("Referer")
	if len(via) > f.opts.MaxRedirects {
		return refuse(ErrTooManyRedirects, "too many redirects (limit %d)", f.opts.MaxRedirects)
	}
	if re := checkURL(req.URL, f.opts.Allow, f.opts.AllowPrivate); re != nil {
		re.reason = "redirect to " + req.URL.Redacted() + ": " + re.reason
		return re
	}
	return nil
}
