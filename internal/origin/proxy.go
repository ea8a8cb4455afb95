package origin

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strings"
	"sync"
)

// Proxy is a forward HTTP proxy on loopback for end-to-end tests. A CONNECT
// request for one of its hosts (any port) is tunnelled to the TLS server
// address; a plain-HTTP request in absolute form ("GET http://host/...") for
// one of its hosts is forwarded to the plain server address, Host header and
// all. Requests for other hosts are refused with 403. Every target is
// recorded.
//
// The embedded server's URL is the proxy URL to put in HTTPS_PROXY or
// HTTP_PROXY. Close shuts the proxy down, tunnels included.
type Proxy struct {
	*httptest.Server

	tlsAddr   string
	plainAddr string
	hosts     map[string]bool
	transport *http.Transport
	forward   *httputil.ReverseProxy

	mu      sync.Mutex
	targets []string
	refused []string
	tunnels map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// NewProxy starts a Proxy that tunnels CONNECT requests for hosts to tlsAddr
// and forwards plain-HTTP requests for hosts to plainAddr (host:port
// addresses, such as a httptest.Server's Listener.Addr().String()). Either
// address may be empty, in which case such requests get 502. With no hosts,
// every host is accepted.
func NewProxy(tlsAddr, plainAddr string, hosts ...string) *Proxy {
	p := &Proxy{
		tlsAddr:   tlsAddr,
		plainAddr: plainAddr,
		hosts:     make(map[string]bool),
		tunnels:   make(map[net.Conn]struct{}),
	}
	for _, h := range hosts {
		p.hosts[strings.ToLower(h)] = true
	}
	p.transport = &http.Transport{
		Proxy: nil, // never chain to the environment's proxy
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, p.plainAddr)
		},
		DisableCompression: true,
	}
	p.forward = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.Host = pr.In.Host
		},
		Transport: p.transport,
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	return p
}

// Targets returns every target the proxy was asked for, in order: the
// "host:port" of CONNECT requests and the absolute URL of plain requests,
// refused ones included.
func (p *Proxy) Targets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...)
}

// Refused returns the targets the proxy refused because their host is not
// one of its hosts.
func (p *Proxy) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refused...)
}

// Close shuts the proxy down: it closes open tunnels and client
// connections, then the server, and waits for the tunnels to finish.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.tunnels {
		c.Close()
	}
	p.mu.Unlock()
	p.Server.CloseClientConnections()
	p.Server.Close()
	p.wg.Wait()
	p.transport.CloseIdleConnections()
}

// serve handles one proxy request.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.connect(w, r)
		return
	}
	if r.URL.Scheme == "" || r.URL.Host == "" {
		http.Error(w, "origin proxy: not a proxy request (want an absolute URI or CONNECT)", http.StatusBadRequest)
		return
	}
	target := r.URL.String()
	if !p.admit(target, r.URL.Hostname()) {
		http.Error(w, "origin proxy: host not allowed: "+r.URL.Hostname(), http.StatusForbidden)
		return
	}
	if r.URL.Scheme != "http" {
		http.Error(w, "origin proxy: only http:// requests are forwarded; use CONNECT for https", http.StatusBadRequest)
		return
	}
	if p.plainAddr == "" {
		http.Error(w, "origin proxy: no plain HTTP upstream", http.StatusBadGateway)
		return
	}
	p.forward.ServeHTTP(w, r)
}

// admit records target and reports whether host is allowed, recording the
// refusal if not.
func (p *Proxy) admit(target, host string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.targets = append(p.targets, target)
	if len(p.hosts) == 0 || p.hosts[strings.ToLower(host)] {
		return true
	}
	p.refused = append(p.refused, target)
	return false
}

// connect tunnels a CONNECT request to the TLS server.
func (p *Proxy) connect(w http.ResponseWriter, r *http.Request) {
	target := r.Host
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		host = target
	}
	if !p.admit(target, host) {
		http.Error(w, "origin proxy: host not allowed: "+host, http.StatusForbidden)
		return
	}
	if p.tlsAddr == "" {
		http.Error(w, "origin proxy: no TLS upstream", http.StatusBadGateway)
		return
	}
	var d net.Dialer
	up, err := d.DialContext(r.Context(), "tcp", p.tlsAddr)
	if err != nil {
		http.Error(w, "origin proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	down, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		http.Error(w, "origin proxy: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if _, err := io.WriteString(down, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		up.Close()
		down.Close()
		return
	}
	// Bytes the client sent after the CONNECT header may sit in the buffer.
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		if _, err := up.Write(b); err != nil {
			up.Close()
			down.Close()
			return
		}
	}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		up.Close()
		down.Close()
		return
	}
	p.tunnels[up] = struct{}{}
	p.tunnels[down] = struct{}{}
	p.wg.Add(1)
	p.mu.Unlock()

	go p.pipe(up, down)
}

// pipe copies between the two ends of a tunnel until either side is done,
// then closes both.
func (p *Proxy) pipe(up, down net.Conn) {
	defer p.wg.Done()
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			up.Close()
			down.Close()
		})
	}
	var copies sync.WaitGroup
	copies.Go(func() {
		io.Copy(up, down)
		closeBoth()
	})
	io.Copy(down, up)
	closeBoth()
	copies.Wait()

	p.mu.Lock()
	delete(p.tunnels, up)
	delete(p.tunnels, down)
	p.mu.Unlock()
}
