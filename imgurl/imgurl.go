package imgurl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultHosts is the default allow-list: WeChat's image CDN hosts.
var DefaultHosts = []string{"mmbiz.qpic.cn", "mmbiz.qlogo.cn", "mmecoa.qpic.cn", "wx.qlogo.cn"}

// ErrNotHTTP is returned (wrapped) for URLs that are not absolute http(s)
// URLs, such as data:, file:, relative paths or mailto:.
var ErrNotHTTP = errors.New("not an http(s) URL")

// wechatHosts maps each WeChat CDN host to the host its originals are
// requested from.
var wechatHosts = map[string]string{
	"mmbiz.qpic.cn":  "mmbiz.qpic.cn",
	"mmbiz.qlogo.cn": "mmbiz.qpic.cn",
	"mmecoa.qpic.cn": "mmecoa.qpic.cn",
	"wx.qlogo.cn":    "wx.qlogo.cn",
}

// formats are the wx_fmt values passed on when requesting an original.
var formats = map[string]bool{"jpeg": true, "jpg": true, "png": true, "gif": true, "webp": true, "bmp": true, "other": true}

// Parse parses an image URL as written in an article: absolute http(s) or
// protocol-relative ("//host/path", taken as https). It refuses other
// schemes, URLs without a host, and URLs carrying user info.
func Parse(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if strings.HasPrefix(s, "//") {
		s = "https:" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrNotHTTP, raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: %q", ErrNotHTTP, raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q has no host", ErrNotHTTP, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s: URLs with user info are refused", u.Redacted())
	}
	return u, nil
}

// host returns u's lower-cased host, with the scheme's default port dropped.
func host(u *url.URL) string {
	h := strings.ToLower(u.Hostname())
	p := u.Port()
	if p == "" || (p == "80" && u.Scheme == "http") || (p == "443" && u.Scheme == "https") {
		if strings.Contains(h, ":") {
			return "[" + h + "]"
		}
		return h
	}
	return net.JoinHostPort(h, p)
}

// wechat splits a WeChat CDN URL into canonical host, prefix and id. ok is
// false for other hosts or paths without a prefix and id.
func wechat(u *url.URL) (canon, prefix, id string, ok bool) {
	canon, ok = wechatHosts[host(u)]
	if !ok {
		return "", "", "", false
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if len(segs) < 2 || segs[0] == "" || segs[1] == "" {
		return "", "", "", false
	}
	return canon, segs[0], segs[1], true
}

// Normalize returns the identity of the image raw names. For WeChat CDN
// hosts it is canonical host + "/<prefix>/<id>"; for other hosts it is the
// lower-cased host (default port dropped) + escaped path, plus "?query"
// when there is one; scheme and fragment never count.
func Normalize(raw string) (string, error) {
	u, err := Parse(raw)
	if err != nil {
		return "", err
	}
	if canon, prefix, id, ok := wechat(u); ok {
		return canon + "/" + prefix + "/" + id, nil
	}
	key := host(u) + u.EscapedPath()
	if key == host(u) {
		key += "/"
	}
	// A query of blanks (as in "x? #") is no query: Parse trims blanks
	// at the end of a URL, so it could not survive a round trip.
	if q := strings.TrimSpace(u.RawQuery); q != "" {
		key += "?" + q
	}
	return key, nil
}

// Candidates lists the URLs to try, in order, to get the original bytes of
// the image raw names. For WeChat CDN URLs the first is the original
// rendition, https://<host>/<prefix>/<id>/0 with at most wx_fmt and never
// tp (which asks for WebP transcoding); the URL as written follows as a
// fallback. With asWritten, or for other hosts, only the URL as written
// (made absolute) is returned.
func Candidates(raw string, asWritten bool) ([]string, error) {
	u, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	written := *u
	written.Fragment, written.RawFragment = "", ""
	ws := written.String()
	canon, prefix, id, ok := wechat(u)
	if asWritten || !ok {
		return []string{ws}, nil
	}
	orig := "https://" + canon + "/" + prefix + "/" + id + "/0"
	if f := strings.ToLower(u.Query().Get("wx_fmt")); formats[f] {
		orig += "?wx_fmt=" + f
	}
	if orig == ws {
		return []string{orig}, nil
	}
	return []string{orig, ws}, nil
}
