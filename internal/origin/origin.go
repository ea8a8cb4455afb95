package origin

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is a way for the Origin to misbehave when serving one image.
type Fault int

// The faults an Origin can be told to show with SetFault.
const (
	// FaultNone serves the image normally.
	FaultNone Fault = iota
	// Fault404 answers 404 Not Found with a small HTML page.
	Fault404
	// Fault429 answers 429 Too Many Requests with Retry-After: 1.
	Fault429
	// Fault503 answers 503 Service Unavailable with a small HTML page.
	Fault503
	// FaultReset sends the headers (with the full Content-Length) and half
	// the body, then hijacks the connection and resets it (TCP RST).
	FaultReset
	// FaultShort declares Content-Length N, sends N/2 bytes and closes the
	// connection cleanly, so the client sees an unexpected EOF.
	FaultShort
	// FaultHTML answers 200 with an HTML error page labelled image/jpeg.
	FaultHTML
	// FaultPlaceholder serves the placeholder image whatever the Referer.
	FaultPlaceholder
	// FaultRedirect answers 302 Found to the same path and query on the
	// base set by SetRedirectTarget, or on the Origin itself when no target
	// is set.
	FaultRedirect
	// FaultStall sends the headers and a quarter of the body, then blocks
	// until the request's context ends or the Origin is closed, and aborts
	// the connection.
	FaultStall
)

// String returns the fault's name, such as "FaultReset".
func (f Fault) String() string {
	names := [...]string{
		FaultNone:        "FaultNone",
		Fault404:         "Fault404",
		Fault429:         "Fault429",
		Fault503:         "Fault503",
		FaultReset:       "FaultReset",
		FaultShort:       "FaultShort",
		FaultHTML:        "FaultHTML",
		FaultPlaceholder: "FaultPlaceholder",
		FaultRedirect:    "FaultRedirect",
		FaultStall:       "FaultStall",
	}
	if f >= 0 && int(f) < len(names) {
		return names[f]
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// Request is one request an Origin received.
type Request struct {
	Method    string
	Path      string // the URL path, such as "/mmbiz_jpg/<id>/640"
	RawQuery  string
	Referer   string
	UserAgent string
	Host      string // the Host header, such as "mmbiz.qpic.cn"
	// Key is the image key "<prefix>/<id>" parsed from Path, or "" when
	// Path is not an image path.
	Key  string
	Time time.Time
}

// faultState is a configured fault and how many more requests get it
// (-1: all of them).
type faultState struct {
	fault     Fault
	remaining int
}

// Origin is an http.Handler that serves images the way mmbiz.qpic.cn does.
// It is safe for concurrent use; its settings may be changed while it serves.
type Origin struct {
	placeholder    []byte
	placeholderSum string
	done           chan struct{} // closed by Close
	closeOnce      sync.Once

	mu         sync.Mutex
	images     map[string][]byte
	faults     map[string]faultState
	redirect   string
	latency    time.Duration
	limit      *bucket // nil: no rate limit
	violations int
	requests   []Request
}

// New returns an Origin serving images, keyed "<prefix>/<id>" as in the
// CDN's URLs (for example "sz_mmbiz_jpg/ClW8..."). The map is copied.
func New(images map[string][]byte) *Origin {
	o := &Origin{
		placeholder:    []byte(placeholderPNG),
		placeholderSum: placeholderSHA256,
		done:           make(chan struct{}),
		images:         make(map[string][]byte, len(images)),
		faults:         make(map[string]faultState),
	}
	for k, v := range images {
		o.images[k] = bytes.Clone(v)
	}
	return o
}

// SetImage adds or replaces the image served for key; nil removes it.
func (o *Origin) SetImage(key string, b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if b == nil {
		delete(o.images, key)
		return
	}
	o.images[key] = bytes.Clone(b)
}

// Placeholder returns the PNG served instead of an image to requests with a
// foreign Referer (the CDN's "未经允许不可引用" picture).
func (o *Origin) Placeholder() []byte { return bytes.Clone(o.placeholder) }

// PlaceholderSHA256 returns the hex-encoded SHA-256 of Placeholder, which
// is always "1a091ff61ceb12398000a3fec87ae993488393b36605055d03ff8558eb69ee95".
func (o *Origin) PlaceholderSHA256() string { return o.placeholderSum }

// SetFault makes the next times requests for key (an image key
// "<prefix>/<id>") get fault f, after which the image is served normally
// again; times -1 makes the fault permanent, and FaultNone or times 0 clears
// it. Faults apply to every method and whatever the Referer, and also to
// keys the Origin has no image for (the body-sending faults then send the
// placeholder's bytes).
func (o *Origin) SetFault(key string, f Fault, times int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if f == FaultNone || times == 0 {
		delete(o.faults, key)
		return
	}
	if times < 0 {
		times = -1
	}
	o.faults[key] = faultState{fault: f, remaining: times}
}

// SetRedirectTarget sets the base URL, such as "http://127.0.0.1:8080",
// that FaultRedirect redirects to; the request's path and query are
// appended. An empty base redirects to the same URL on the Origin.
func (o *Origin) SetRedirectTarget(base string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.redirect = strings.TrimSuffix(base, "/")
}

// SetLatency makes the Origin wait d before answering each request (ended
// early if the request's context ends or the Origin is closed).
func (o *Origin) SetLatency(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.latency = d
}

// SetRateLimit limits the Origin to perSecond requests per second with
// bursts of up to burst requests (a token bucket that starts full); requests
// beyond it are answered 429 with Retry-After: 1 and counted by Violations.
// perSecond <= 0 removes the limit.
func (o *Origin) SetRateLimit(perSecond float64, burst int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if perSecond <= 0 {
		o.limit = nil
		return
	}
	o.limit = newBucket(perSecond, burst)
}

// Violations returns how many requests the rate limit set by SetRateLimit
// has answered with 429 (Fault429 answers are not counted).
func (o *Origin) Violations() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.violations
}

// Requests returns a copy of the request log, oldest first.
func (o *Origin) Requests() []Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Request(nil), o.requests...)
}

// Count returns how many requests the Origin has received.
func (o *Origin) Count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.requests)
}

// CountFor returns how many requests the Origin has received for the image
// key "<prefix>/<id>", whatever their size segment, query or outcome.
func (o *Origin) CountFor(key string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, r := range o.requests {
		if r.Key == key {
			n++
		}
	}
	return n
}

// Reset clears the request log and the violation count and refills the rate
// limit's bucket. Images, faults and other settings stay.
func (o *Origin) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = nil
	o.violations = 0
	if o.limit != nil {
		o.limit.refill()
	}
}

// Close releases requests blocked by FaultStall or SetLatency and makes
// later ones return at once. The Origin still answers requests afterwards.
// Call it before closing the server that runs the Origin, since
// httptest.Server.Close waits for outstanding requests.
func (o *Origin) Close() {
	o.closeOnce.Do(func() { close(o.done) })
}

// ServeHTTP answers a request the way mmbiz.qpic.cn would.
func (o *Origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, isImage := parsePath(r.URL.Path)
	now := time.Now()

	o.mu.Lock()
	o.requests = append(o.requests, Request{
		Method:    r.Method,
		Path:      r.URL.Path,
		RawQuery:  r.URL.RawQuery,
		Referer:   r.Referer(),
		UserAgent: r.UserAgent(),
		Host:      r.Host,
		Key:       key,
		Time:      now,
	})
	limited := o.limit != nil && !o.limit.allow(now)
	if limited {
		o.violations++
	}
	latency := o.latency
	o.mu.Unlock()

	if latency > 0 && !o.wait(r, latency) {
		return
	}
	if limited {
		w.Header().Set("Retry-After", "1")
		errorPage(w, http.StatusTooManyRequests)
		return
	}
	if !isImage {
		errorPage(w, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		errorPage(w, http.StatusMethodNotAllowed)
		return
	}

	fault := o.takeFault(key)
	o.mu.Lock()
	img, known := o.images[key]
	redirect := o.redirect
	o.mu.Unlock()
	ctype := contentType(r.URL.Query())

	body := img
	if !known {
		body = o.placeholder
	}
	switch fault {
	case Fault404:
		errorPage(w, http.StatusNotFound)
		return
	case Fault429:
		w.Header().Set("Retry-After", "1")
		errorPage(w, http.StatusTooManyRequests)
		return
	case Fault503:
		errorPage(w, http.StatusServiceUnavailable)
		return
	case FaultHTML:
		page := []byte(htmlPage(http.StatusOK, "图片加载失败，请稍后重试"))
		writeHead(w, http.StatusOK, "image/jpeg", len(page))
		if r.Method != http.MethodHead {
			w.Write(page)
		}
		return
	case FaultPlaceholder:
		serveImage(w, r, o.placeholder, ctype)
		return
	case FaultRedirect:
		w.Header().Set("Location", redirect+r.URL.RequestURI())
		w.WriteHeader(http.StatusFound)
		return
	case FaultReset:
		o.breakConn(w, r, body, ctype, len(body)/2, true)
		return
	case FaultShort:
		o.breakConn(w, r, body, ctype, len(body)/2, false)
		return
	case FaultStall:
		o.stall(w, r, body, ctype)
		return
	}

	if !known {
		errorPage(w, http.StatusNotFound)
		return
	}
	if !allowedReferer(r.Referer()) {
		serveImage(w, r, o.placeholder, ctype)
		return
	}
	serveImage(w, r, img, ctype)
}

// takeFault returns the fault for the next request for key, counting it off.
func (o *Origin) takeFault(key string) Fault {
	o.mu.Lock()
	defer o.mu.Unlock()
	fs, ok := o.faults[key]
	if !ok {
		return FaultNone
	}
	if fs.remaining > 0 {
		fs.remaining--
		if fs.remaining == 0 {
			delete(o.faults, key)
		} else {
			o.faults[key] = fs
		}
	}
	return fs.fault
}

// wait sleeps for d, reporting false if the request's context ended first.
// Closing the Origin cuts the wait short.
func (o *Origin) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-o.done:
		return true
	case <-r.Context().Done():
		return false
	}
}

// breakConn sends the headers for body and its first n bytes, then drops the
// connection: with a TCP reset if reset is set, else with a clean close.
func (o *Origin) breakConn(w http.ResponseWriter, r *http.Request, body []byte, ctype string, n int, reset bool) {
	writeHead(w, http.StatusOK, ctype, len(body))
	if r.Method != http.MethodHead {
		w.Write(body[:n])
	}
	rc := http.NewResponseController(w)
	rc.Flush()
	conn, _, err := rc.Hijack()
	if err != nil {
		// HTTP/2 cannot be hijacked; aborting resets the stream instead.
		panic(http.ErrAbortHandler)
	}
	if reset {
		if tc := tcpConn(conn); tc != nil {
			tc.SetLinger(0)
		}
	}
	conn.Close()
}

// stall sends the headers and a quarter of body, then blocks until the
// request's context ends or the Origin is closed, and aborts the connection.
func (o *Origin) stall(w http.ResponseWriter, r *http.Request, body []byte, ctype string) {
	writeHead(w, http.StatusOK, ctype, len(body))
	if r.Method != http.MethodHead {
		w.Write(body[:len(body)/4])
	}
	http.NewResponseController(w).Flush()
	select {
	case <-r.Context().Done():
	case <-o.done:
	}
	panic(http.ErrAbortHandler)
}

// tcpConn digs the *net.TCPConn out of a hijacked connection, which is a
// *tls.Conn on TLS servers; it returns nil if there is none.
func tcpConn(c net.Conn) *net.TCPConn {
	for range 4 {
		switch v := c.(type) {
		case *net.TCPConn:
			return v
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// parsePath extracts the image key from a CDN path
// "/<prefix>/<id>[/<size>]", where size is digits optionally preceded by
// "s" ("0", "640", "300", "s640"). ok is false for any other path.
func parsePath(p string) (key string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) == 3 && parts[2] == "" {
		parts = parts[:2] // trailing slash
	}
	if len(parts) < 2 || len(parts) > 3 || !validSegment(parts[0]) || !validSegment(parts[1]) {
		return "", false
	}
	if len(parts) == 3 && !validSize(parts[2]) {
		return "", false
	}
	return parts[0] + "/" + parts[1], true
}

// validSegment reports whether s is a plausible prefix or id: non-empty
// letters, digits, '_' and '-'.
func validSegment(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validSize reports whether s is a size segment: digits, optionally after "s".
func validSize(s string) bool {
	s = strings.TrimPrefix(s, "s")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// contentType returns the Content-Type the CDN would claim: image/webp with
// tp=webp, else the type named by wx_fmt, defaulting to image/jpeg. The
// bytes are never consulted.
func contentType(q url.Values) string {
	if strings.EqualFold(q.Get("tp"), "webp") {
		return "image/webp"
	}
	switch strings.ToLower(q.Get("wx_fmt")) {
	case "png":
		return "image/png"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	case "bmp":
		return "image/bmp"
	case "svg":
		return "image/svg+xml"
	default:
		return "image/jpeg"
	}
}

// allowedReferer reports whether the CDN serves the real image to a request
// with this Referer: none at all, or one on qq.com or a subdomain such as
// mp.weixin.qq.com.
func allowedReferer(ref string) bool {
	if ref == "" {
		return true
	}
	u, err := url.Parse(ref)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "qq.com" || strings.HasSuffix(h, ".qq.com")
}

// serveImage answers with b as the image, labelled ctype; it honours HEAD
// and Range requests.
func serveImage(w http.ResponseWriter, r *http.Request, b []byte, ctype string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "max-age=2592000")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// writeHead writes a 200-style header block with the given type and length.
func writeHead(w http.ResponseWriter, status int, ctype string, length int) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(length))
	h.Set("Cache-Control", "max-age=2592000")
	w.WriteHeader(status)
}

// errorPage answers with status and a small HTML page.
func errorPage(w http.ResponseWriter, status int) {
	page := htmlPage(status, http.StatusText(status))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	w.Write([]byte(page))
}

// htmlPage returns a small HTML error page.
func htmlPage(status int, text string) string {
	return fmt.Sprintf("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>origin (imgmirror test CDN)</center>\r\n</body>\r\n</html>\r\n",
		status, http.StatusText(status), status, text)
}
