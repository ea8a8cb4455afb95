package fetch

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeResolver resolves names from a table.
type fakeResolver map[string][]string

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var ips []netip.Addr
	for _, s := range r[host] {
		ips = append(ips, netip.MustParseAddr(s))
	}
	if ips == nil {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return ips, nil
}

// routedDial connects "ip:port" addresses listed in routes to the loopback
// address they map to, and fails the test on any other dial: nothing is
// ever sent to a non-loopback address.
func routedDial(t *testing.T, routes map[string]string) func(context.Context, string, string) (net.Conn, error) {
	var mu sync.Mutex
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		to, ok := routes[addr]
		mu.Unlock()
		if !ok {
			t.Errorf("dial to %s reached the network layer", addr)
			return nil, errors.New("test: unexpected dial")
		}
		var d net.Dialer
		return d.DialContext(ctx, network, to)
	}
}

func TestSSRFRefusedDefaultTransport(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		serveImage(w, imageBytes(100, 50))
	})
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	at := func(format string) string { return strings.ReplaceAll(format, "PORT", strconv.Itoa(port)) }
	tests := []struct {
		url  string
		want error
	}{
		{at("http://127.0.0.1:PORT/a.jpg"), ErrPrivateAddress},
		{at("http://[::1]:PORT/a.jpg"), ErrPrivateAddress},
		{at("http://localhost:PORT/a.jpg"), ErrPrivateAddress},
		{at("http://[::ffff:127.0.0.1]:PORT/a.jpg"), ErrPrivateAddress},
		{at("http://0.0.0.0:PORT/a.jpg"), ErrPrivateAddress},
		{at("http://user:pass@127.0.0.1:PORT/a.jpg"), ErrBadURL},
		{at("http://user@127.0.0.1:PORT/a.jpg"), ErrBadURL},
		{"file:///etc/passwd", ErrScheme},
		{"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", ErrScheme},
		{at("ftp://127.0.0.1:PORT/a.jpg"), ErrScheme},
		{at("gopher://127.0.0.1:PORT/"), ErrScheme},
		{"/relative/a.jpg", ErrScheme},
		{"http:///a.jpg", ErrBadURL},
		{"http://%zz/", ErrBadURL},
	}
	o := Options{TempDir: t.TempDir(), BaseBackoff: 1} // AllowPrivate false
	f := newTestFetcher(t, o)
	for _, tt := range tests {
		e := fetchErr(t, f, tt.url)
		if !errors.Is(e, tt.want) || e.Attempts > 1 {
			t.Errorf("%s: error %v (attempts %d), want %v", tt.url, e, e.Attempts, tt.want)
		}
		t.Logf("%s → %s", tt.url, e.Reason)
	}
	if srv.requests() != 0 {
		t.Errorf("forbidden target saw %d requests", srv.requests())
	}
	if e := fetchErr(t, f, at("http://127.0.0.1:PORT/a.jpg")); e.Reason != "private address 127.0.0.1 refused" {
		t.Errorf("Reason = %q", e.Reason)
	}
}

func TestSSRFRefusedBeforeDial(t *testing.T) {
	resolver := fakeResolver{
		"metadata.example": {"169.254.169.254"},
		"rebind.example":   {"10.0.0.5", "fd00::5"},
		"localhost":        {"127.0.0.1", "::1"},
	}
	g := &GuardDialer{Resolver: resolver, Dial: routedDial(t, nil)}
	f := newTestFetcher(t, Options{Transport: NewTransport(g, nil), TempDir: t.TempDir()})
	for _, u := range []string{
		"http://10.0.0.1/a.jpg",
		"http://169.254.169.254/latest/meta-data",
		"https://169.254.169.254/latest/meta-data",
		"http://100.64.0.1/a.jpg",
		"http://172.16.0.1/a.jpg",
		"http://192.168.1.1/a.jpg",
		"http://255.255.255.255/a.jpg",
		"http://[fd00::1]/a.jpg",
		"http://[fe80::1]/a.jpg",
		"http://[ff02::1]/a.jpg",
		"http://[::ffff:10.0.0.1]/a.jpg",
		"http://[::ffff:a9fe:a9fe]/a.jpg",
		"http://[64:ff9b::a9fe:a9fe]/a.jpg",
		"http://metadata.example/latest/meta-data",
		"http://rebind.example/a.jpg",
		"http://localhost/a.jpg",
	} {
		e := fetchErr(t, f, u)
		if !errors.Is(e, ErrPrivateAddress) || e.Attempts > 1 {
			t.Errorf("%s: error %v, want ErrPrivateAddress after at most 1 attempt", u, e)
		}
		// IP literals are refused from the URL text already; the dialer
		// refuses them too (redirects and rebinding reach it by name).
		pu, _ := url.Parse(u)
		port := map[string]string{"http": "80", "https": "443"}[pu.Scheme]
		if _, err := g.DialContext(context.Background(), "tcp", net.JoinHostPort(pu.Hostname(), port)); !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("dial %s: %v, want ErrPrivateAddress", pu.Host, err)
		}
	}
	if e := fetchErr(t, f, "http://metadata.example/x"); e.Reason != "private address 169.254.169.254 refused (metadata.example)" {
		t.Errorf("Reason = %q", e.Reason)
	}
}

func TestSSRFRedirectToLoopback(t *testing.T) {
	img := imageBytes(400, 51)
	target := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		serveImage(w, img)
	})
	origin := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/ok.jpg" {
			serveImage(w, img)
			return
		}
		http.Redirect(w, r, target.URL+"/secret.jpg", http.StatusFound)
	})
	// img.example.com is a fake public host, routed to the loopback origin.
	g := &GuardDialer{
		Resolver: fakeResolver{"img.example.com": {"203.0.113.7"}, "mixed.example.com": {"10.0.0.7", "203.0.113.7"}},
		Dial:     routedDial(t, map[string]string{"203.0.113.7:80": origin.Listener.Addr().String()}),
	}
	f := newTestFetcher(t, Options{Transport: NewTransport(g, nil), TempDir: t.TempDir()})

	fetchOK(t, f, "http://img.example.com/ok.jpg")
	fetchOK(t, f, "http://mixed.example.com/ok.jpg") // only the public address is dialled

	e := fetchErr(t, f, "http://img.example.com/redirect")
	if !errors.Is(e, ErrPrivateAddress) || e.Attempts != 1 {
		t.Errorf("error %v", e)
	}
	if origin.requests() != 3 || target.requests() != 0 {
		t.Errorf("origin saw %d requests (want 3), loopback target %d (want 0)", origin.requests(), target.requests())
	}
}

// forwardProxy is a plain-http forward proxy: it takes absolute-URI
// requests and forwards those for the hosts in routes to loopback servers.
type forwardProxy struct {
	routes   map[string]string // request host → backend host:port
	requests atomic.Int32
	lastURI  atomic.Value
}

func (p *forwardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	p.lastURI.Store(r.RequestURI)
	backend, ok := p.routes[r.URL.Host]
	if !r.URL.IsAbs() || !ok {
		http.Error(w, "proxy: bad target", http.StatusBadGateway)
		return
	}
	out, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://"+backend+r.URL.RequestURI(), nil)
	out.Header = r.Header.Clone()
	resp, err := (&http.Transport{}).RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func TestGuardAllowsConfiguredProxy(t *testing.T) {
	img := imageBytes(3000, 52)
	backend := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get("Referer") != "" {
			t.Errorf("Referer %q sent", r.Header.Get("Referer"))
		}
		serveImage(w, img)
	})
	fp := &forwardProxy{routes: map[string]string{"img.example.com": backend.Listener.Addr().String()}}
	proxySrv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) { fp.ServeHTTP(w, r) })
	proxyURL, _ := url.Parse(proxySrv.URL)
	// Proxy only img.example.com, like NO_PROXY would leave others direct.
	proxyFor := func(req *http.Request) (*url.URL, error) {
		if req.URL.Hostname() == "img.example.com" || req.URL.Hostname() == "evil.example.net" {
			return proxyURL, nil
		}
		return nil, nil
	}
	o := Options{
		Transport: NewTransport(&GuardDialer{}, proxyFor), // AllowPrivate false
		Allow:     func(u *url.URL) bool { return u.Hostname() != "evil.example.net" },
		TempDir:   t.TempDir(),
	}
	f := newTestFetcher(t, o)

	res := fetchOK(t, f, "http://img.example.com/cat.jpg")
	if res.SHA256 != sha(img) || fp.requests.Load() != 1 || backend.requests() != 1 {
		t.Fatalf("proxy saw %d, backend %d requests", fp.requests.Load(), backend.requests())
	}
	if uri := fp.lastURI.Load(); uri != "http://img.example.com/cat.jpg" {
		t.Errorf("proxy got request URI %q, want the absolute URI", uri)
	}
	// Allow still applies to the target behind the proxy.
	if e := fetchErr(t, f, "http://evil.example.net/x.jpg"); !errors.Is(e, ErrHostNotAllowed) {
		t.Errorf("disallowed host through proxy: %v", e)
	}
	// A direct (unproxied) connection to a loopback address is still refused.
	if e := fetchErr(t, f, backend.URL+"/cat.jpg"); !errors.Is(e, ErrPrivateAddress) {
		t.Errorf("direct loopback: %v", e)
	}
	if fp.requests.Load() != 1 || backend.requests() != 1 {
		t.Errorf("refused fetches reached proxy (%d) or backend (%d)", fp.requests.Load(), backend.requests())
	}

	// Without the proxy exemption (a transport whose proxy the guard does
	// not know about), the loopback proxy itself is refused.
	bare := NewTransport(&GuardDialer{}, nil)
	bare.Proxy = http.ProxyURL(proxyURL)
	f2 := newTestFetcher(t, Options{Transport: bare, TempDir: t.TempDir()})
	if e := fetchErr(t, f2, "http://img.example.com/cat.jpg"); !errors.Is(e, ErrPrivateAddress) {
		t.Errorf("unregistered loopback proxy: %v", e)
	}
}

func TestProxyAddr(t *testing.T) {
	for in, want := range map[string]string{
		"http://Proxy.Local":     "proxy.local:80",
		"https://proxy.local":    "proxy.local:443",
		"socks5://127.0.0.1":     "127.0.0.1:1080",
		"http://[::1]:3128":      "[::1]:3128",
		"http://user:pw@p:8080/": "p:8080",
	} {
		u, _ := url.Parse(in)
		if got := proxyAddr(u); got != want {
			t.Errorf("proxyAddr(%s) = %s, want %s", in, got, want)
		}
	}
}
