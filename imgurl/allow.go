package imgurl

import (
	"net/url"
	"strings"
)

// AllowList decides which image hosts are mirrored.
type AllowList struct {
	any      bool
	exact    map[string]bool
	suffixes []string
}

// NewAllowList returns an allow-list of hosts. An entry "*.example.com"
// allows every subdomain of example.com. With any set, every http(s) host
// is allowed. Entries are case-insensitive and may not carry ports: ports
// never matter.
func NewAllowList(hosts []string, any bool) *AllowList {
	a := &AllowList{any: any, exact: map[string]bool{}}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if strings.HasPrefix(h, "*.") {
			a.suffixes = append(a.suffixes, h[1:])
		} else if h != "" {
			a.exact[h] = true
		}
	}
	return a
}

// Allowed reports whether u is an http(s) URL on an allowed host.
func (a *AllowList) Allowed(u *url.URL) bool {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return false
	}
	if a.any {
		return true
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if a.exact[h] {
		return true
	}
	for _, s := range a.suffixes {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	return false
}

// AllowedString is Allowed for a URL as written in an article.
func (a *AllowList) AllowedString(raw string) bool {
	u, err := Parse(raw)
	return err == nil && a.Allowed(u)
}
