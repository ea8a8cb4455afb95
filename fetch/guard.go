package fetch

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Resolver looks up the IP addresses of a host name. *net.Resolver
// implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// GuardDialer makes TCP connections to public addresses only: it resolves
// the host itself, refuses every address IsPublicAddr rejects, and dials the
// checked IP, so DNS rebinding cannot slip a private address past it. The
// check happens before any connection is attempted, so a refused address
// never sees a packet.
//
// Connections to the proxies selected through NewTransport are exempt: the
// proxy is usually on a private or loopback address, and it is the proxy,
// not this dialer, that connects to the target.
//
// The zero value is ready to use. A GuardDialer must not be copied after
// first use.
type GuardDialer struct {
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
	// Dial connects to an "ip:port" that passed the check (or to a proxy);
	// nil means a net.Dialer with a 30s connect timeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// AllowPrivate turns the address check off.
	AllowPrivate bool

	mu      sync.Mutex
	proxies map[string]bool // lowercased "host:port" of trusted proxies
}

// DialContext connects to addr ("host:port") if the host is a public IP
// address or resolves to one, trying the public addresses in order. When
// every address is refused it returns an error wrapping ErrPrivateAddress.
func (g *GuardDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.AllowPrivate || g.isProxy(addr) {
		return g.dial(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := g.lookup(ctx, network, host)
	if err != nil {
		return nil, err
	}
	var refused, dialErr error
	for _, ip := range ips {
		if !IsPublicAddr(ip) {
			if refused == nil {
				refused = refusePrivate(ip, host)
			}
			continue
		}
		conn, err := g.dial(ctx, network, net.JoinHostPort(ip.WithZone("").String(), port))
		if err == nil {
			return conn, nil
		}
		dialErr = err
	}
	if dialErr != nil {
		return nil, dialErr
	}
	return nil, refused
}

func refusePrivate(ip netip.Addr, host string) error {
	if ip.String() == strings.Trim(host, "[]") {
		return refuse(ErrPrivateAddress, "private address %s refused", ip)
	}
	return refuse(ErrPrivateAddress, "private address %s refused (%s)", ip, host)
}

func (g *GuardDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.Dial != nil {
		return g.Dial(ctx, network, addr)
	}
	d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return d.DialContext(ctx, network, addr)
}

// lookup returns host's addresses: the address itself for an IP literal,
// else what the resolver says.
func (g *GuardDialer) lookup(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	ipNet := "ip"
	switch network {
	case "tcp4", "udp4":
		ipNet = "ip4"
	case "tcp6", "udp6":
		ipNet = "ip6"
	}
	var r Resolver = net.DefaultResolver
	if g.Resolver != nil {
		r = g.Resolver
	}
	ips, err := r.LookupNetIP(ctx, ipNet, host)
	if err == nil && len(ips) == 0 {
		err = &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	for i, ip := range ips {
		ips[i] = ip.Unmap() // the resolver may return IPv4 in IPv4-mapped form
	}
	return ips, err
}

// trustProxies wraps a Transport.Proxy function so that every proxy it
// selects is exempt from the address check.
func (g *GuardDialer) trustProxies(proxy func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		u, err := proxy(req)
		if err == nil && u != nil {
			g.mu.Lock()
			if g.proxies == nil {
				g.proxies = make(map[string]bool)
			}
			g.proxies[proxyAddr(u)] = true
			g.mu.Unlock()
		}
		return u, err
	}
}

func (g *GuardDialer) isProxy(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.proxies[strings.ToLower(addr)]
}

// proxyAddr is the "host:port" http.Transport dials for a proxy URL.
func proxyAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "socks5", "socks5h":
			port = "1080"
		default:
			port = "80"
		}
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}

// NewTransport returns a clone of http.DefaultTransport whose connections
// are made by g. proxy chooses the proxy for each request like
// http.Transport.Proxy (nil: never use a proxy; New passes
// http.ProxyFromEnvironment); the proxy addresses it returns are exempt from
// g's address check, while the target URLs still go through Options.Allow.
// Through a proxy, resolving and connecting to the target is the proxy's
// job, so g cannot check the target's address.
func NewTransport(g *GuardDialer, proxy func(*http.Request) (*url.URL, error)) *http.Transport {
	var t *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{ForceAttemptHTTP2: true, TLSHandshakeTimeout: 10 * time.Second}
	}
	t.DialContext = g.DialContext
	t.Proxy = nil
	if proxy != nil {
		t.Proxy = g.trustProxies(proxy)
	}
	return t
}
