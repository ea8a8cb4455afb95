package origin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgmirror/imgmirror/internal/demo"
)

const (
	keyJPEG = "sz_mmbiz_jpg/ClW8NejCpBO5wpiaeicTQ4qWerbb7YlHeiaTestJpegAAA"
	keyPNG  = "mmbiz_png/ClW8NejCpBO5wpiaeicTQ4qWerbb7YlHeiaTestPngQ"
	keyGIF  = "mmbiz_gif/ClW8NejCpBO5wpiaeicTQ4qWerbb7YlHeiaTestGifg"
)

// fakeImage returns n deterministic bytes starting with the given magic.
func fakeImage(magic string, n int) []byte {
	b := make([]byte, n)
	copy(b, magic)
	for i := len(magic); i < n; i++ {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func testImages() map[string][]byte {
	return map[string][]byte{
		keyJPEG: fakeImage("\xff\xd8\xff\xe0", 40000),
		keyPNG:  fakeImage("\x89PNG\r\n\x1a\n", 12345),
		keyGIF:  fakeImage("GIF89a", 999),
	}
}

// newTestOrigin starts an Origin on a plain httptest server.
func newTestOrigin(t *testing.T) (*Origin, *httptest.Server) {
	t.Helper()
	o := New(testImages())
	srv := httptest.NewServer(o)
	t.Cleanup(srv.Close)
	t.Cleanup(o.Close) // runs first: releases stalled handlers
	return o, srv
}

type response struct {
	status int
	header http.Header
	body   []byte
	err    error // from Do or from reading the body
}

// get performs a request with optional header pairs.
func get(t *testing.T, c *http.Client, method, url string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return response{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: body, err: err}
}

func TestServesAllVariants(t *testing.T) {
	_, srv := newTestOrigin(t)
	c := srv.Client()
	want := testImages()[keyJPEG]
	for _, suffix := range []string{
		"",
		"/",
		"/0",
		"/640",
		"/300",
		"/s640",
		"/640?wx_fmt=jpeg&from=appmsg",
		"/640?wx_fmt=jpeg&tp=webp&wxfrom=5&wx_lazy=1&wx_co=1",
		"/0?wx_fmt=jpeg",
		"?wx_fmt=jpeg",
		"/300?wxfrom=10005&wx_lazy=1",
	} {
		r := get(t, c, "GET", srv.URL+"/"+keyJPEG+suffix)
		if r.err != nil || r.status != http.StatusOK {
			t.Errorf("%s: status %d, err %v", suffix, r.status, r.err)
			continue
		}
		if !bytes.Equal(r.body, want) {
			t.Errorf("%s: got %d bytes, want the image's %d", suffix, len(r.body), len(want))
		}
		if cl := r.header.Get("Content-Length"); cl != fmt.Sprint(len(want)) {
			t.Errorf("%s: Content-Length %q, want %d", suffix, cl, len(want))
		}
	}
}

func TestServesDemoImages(t *testing.T) {
	o := New(demo.Images())
	srv := httptest.NewServer(o)
	defer srv.Close()
	for key, b := range demo.Images() {
		r := get(t, srv.Client(), "GET", srv.URL+"/"+key+"/640?wx_fmt=jpeg&from=appmsg",
			"Referer", "https://mp.weixin.qq.com/")
		if r.err != nil || r.status != http.StatusOK || !bytes.Equal(r.body, b) {
			t.Errorf("%s: status %d, err %v, %d bytes (want %d)", key, r.status, r.err, len(r.body), len(b))
		}
	}
}

func TestContentTypeFollowsQuery(t *testing.T) {
	_, srv := newTestOrigin(t)
	for _, tc := range []struct{ key, query, want string }{
		{keyJPEG, "wx_fmt=jpeg", "image/jpeg"},
		{keyJPEG, "", "image/jpeg"},
		{keyJPEG, "wx_fmt=jpeg&tp=webp", "image/webp"},
		{keyJPEG, "wx_fmt=png", "image/png"}, // the CDN lies: the bytes are JPEG
		{keyPNG, "wx_fmt=png", "image/png"},
		{keyPNG, "wx_fmt=jpeg", "image/jpeg"},
		{keyPNG, "", "image/jpeg"},
		{keyGIF, "wx_fmt=gif", "image/gif"},
		{keyGIF, "wx_fmt=GIF&from=appmsg", "image/gif"},
		{keyGIF, "tp=webp&wx_fmt=gif", "image/webp"},
	} {
		r := get(t, srv.Client(), "GET", srv.URL+"/"+tc.key+"/640?"+tc.query)
		if r.err != nil || r.status != http.StatusOK {
			t.Errorf("%s?%s: status %d, err %v", tc.key, tc.query, r.status, r.err)
			continue
		}
		if got := r.header.Get("Content-Type"); got != tc.want {
			t.Errorf("%s?%s: Content-Type %q, want %q", tc.key, tc.query, got, tc.want)
		}
		if !bytes.Equal(r.body, testImages()[tc.key]) {
			t.Errorf("%s?%s: wrong body", tc.key, tc.query)
		}
	}
}

func TestNotFoundAndBadRequests(t *testing.T) {
	_, srv := newTestOrigin(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/sz_mmbiz_jpg/NoSuchImageId/640?wx_fmt=jpeg", 404},
		{"GET", "/mmbiz_jpg/" + strings.TrimPrefix(keyJPEG, "sz_mmbiz_jpg/") + "/640", 404}, // other prefix
		{"GET", "/" + keyJPEG + "/large", 404},
		{"GET", "/" + keyJPEG + "/640/extra", 404},
		{"GET", "/", 404},
		{"GET", "/favicon.ico", 404},
		{"POST", "/" + keyJPEG + "/640", 405},
	} {
		r := get(t, srv.Client(), tc.method, srv.URL+tc.path)
		if r.err != nil || r.status != tc.status {
			t.Errorf("%s %s: status %d, err %v; want %d", tc.method, tc.path, r.status, r.err, tc.status)
			continue
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s %s: Content-Type %q, want HTML", tc.method, tc.path, ct)
		}
		if !bytes.Contains(r.body, []byte("<html>")) {
			t.Errorf("%s %s: body %q is not an HTML page", tc.method, tc.path, r.body)
		}
	}
}

func TestHEAD(t *testing.T) {
	_, srv := newTestOrigin(t)
	r := get(t, srv.Client(), "HEAD", srv.URL+"/"+keyPNG+"/640?wx_fmt=png")
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("status %d, err %v", r.status, r.err)
	}
	if len(r.body) != 0 {
		t.Errorf("HEAD returned %d body bytes", len(r.body))
	}
	if cl := r.header.Get("Content-Length"); cl != fmt.Sprint(len(testImages()[keyPNG])) {
		t.Errorf("Content-Length %q", cl)
	}
	if ct := r.header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestRange(t *testing.T) {
	_, srv := newTestOrigin(t)
	r := get(t, srv.Client(), "GET", srv.URL+"/"+keyJPEG+"/0", "Range", "bytes=100-199")
	if r.err != nil || r.status != http.StatusPartialContent {
		t.Fatalf("status %d, err %v", r.status, r.err)
	}
	if !bytes.Equal(r.body, testImages()[keyJPEG][100:200]) {
		t.Error("wrong range body")
	}
}

func TestRefererPlaceholder(t *testing.T) {
	o, srv := newTestOrigin(t)
	ph := o.Placeholder()
	img, err := png.Decode(bytes.NewReader(ph))
	if err != nil {
		t.Fatalf("placeholder is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 120 || b.Dy() != 60 {
		t.Errorf("placeholder is %v, want 120x60", b)
	}
	if !bytes.Equal(New(nil).Placeholder(), ph) {
		t.Error("placeholder is not deterministic")
	}
	if len(o.PlaceholderSHA256()) != 64 {
		t.Errorf("PlaceholderSHA256 = %q", o.PlaceholderSHA256())
	}

	want := testImages()[keyJPEG]
	for _, tc := range []struct {
		referer     string
		placeholder bool
	}{
		{"", false},
		{"https://mp.weixin.qq.com/s?__biz=MzA5NTU4NDM2MA==&mid=1", false},
		{"http://mp.weixin.qq.com/", false},
		{"https://qq.com/", false},
		{"https://MP.WEIXIN.QQ.COM/", false},
		{"https://example.com/blog/post.html", true},
		{"http://localhost:8080/", true},
		{"https://notqq.com/", true},
		{"https://qq.com.evil.example/", true},
		{"::not a url", true},
	} {
		r := get(t, srv.Client(), "GET", srv.URL+"/"+keyJPEG+"/640?wx_fmt=jpeg", "Referer", tc.referer)
		if r.err != nil || r.status != http.StatusOK {
			t.Errorf("Referer %q: status %d, err %v", tc.referer, r.status, r.err)
			continue
		}
		got := "image"
		if bytes.Equal(r.body, ph) {
			got = "placeholder"
		} else if !bytes.Equal(r.body, want) {
			got = "something else"
		}
		if wantGot := map[bool]string{true: "placeholder", false: "image"}[tc.placeholder]; got != wantGot {
			t.Errorf("Referer %q: got the %s, want the %s", tc.referer, got, wantGot)
		}
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		fault Fault
		check func(t *testing.T, o *Origin, r response)
	}{
		{Fault404, wantStatus(404)},
		{Fault429, func(t *testing.T, o *Origin, r response) {
			wantStatus(429)(t, o, r)
			if r.header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After %q, want 1", r.header.Get("Retry-After"))
			}
		}},
		{Fault503, wantStatus(503)},
		{FaultReset, wantError},
		{FaultShort, func(t *testing.T, o *Origin, r response) {
			if !errors.Is(r.err, io.ErrUnexpectedEOF) {
				t.Errorf("err %v, want unexpected EOF", r.err)
			}
			if n := len(testImages()[keyJPEG]) / 2; len(r.body) != n {
				t.Errorf("got %d bytes, want %d", len(r.body), n)
			}
		}},
		{FaultHTML, func(t *testing.T, o *Origin, r response) {
			wantStatus(200)(t, o, r)
			if ct := r.header.Get("Content-Type"); ct != "image/jpeg" {
				t.Errorf("Content-Type %q, want image/jpeg", ct)
			}
			if !bytes.HasPrefix(r.body, []byte("<html>")) {
				t.Errorf("body %.40q is not HTML", r.body)
			}
		}},
		{FaultPlaceholder, func(t *testing.T, o *Origin, r response) {
			wantStatus(200)(t, o, r)
			if !bytes.Equal(r.body, o.Placeholder()) {
				t.Error("not the placeholder")
			}
		}},
		{FaultRedirect, func(t *testing.T, o *Origin, r response) {
			wantStatus(302)(t, o, r)
			if loc := r.header.Get("Location"); loc != "http://mirror.example/"+keyJPEG+"/640?wx_fmt=jpeg" {
				t.Errorf("Location %q", loc)
			}
		}},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			o, srv := newTestOrigin(t)
			o.SetRedirectTarget("http://mirror.example/")
			c := &http.Client{
				Transport: srv.Client().Transport,
				CheckRedirect: func(*http.Request, []*http.Request) error {
					return http.ErrUseLastResponse
				},
			}
			url := srv.URL + "/" + keyJPEG + "/640?wx_fmt=jpeg"
			o.SetFault(keyJPEG, tc.fault, 2)

			// Another image is unaffected.
			if r := get(t, c, "GET", srv.URL+"/"+keyPNG+"/640?wx_fmt=png"); r.err != nil || r.status != 200 {
				t.Errorf("other image: status %d, err %v", r.status, r.err)
			}
			for i := range 2 {
				t.Logf("faulty request %d", i+1)
				tc.check(t, o, get(t, c, "GET", url))
			}
			// After times requests the image is served normally.
			r := get(t, c, "GET", url)
			if r.err != nil || r.status != 200 || !bytes.Equal(r.body, testImages()[keyJPEG]) {
				t.Errorf("after the faults: status %d, err %v, %d bytes", r.status, r.err, len(r.body))
			}
			if n := o.CountFor(keyJPEG); n != 3 {
				t.Errorf("CountFor = %d, want 3", n)
			}
		})
	}
}

func wantStatus(status int) func(*testing.T, *Origin, response) {
	return func(t *testing.T, _ *Origin, r response) {
		t.Helper()
		if r.err != nil || r.status != status {
			t.Errorf("status %d, err %v; want %d", r.status, r.err, status)
		}
	}
}

func wantError(t *testing.T, _ *Origin, r response) {
	t.Helper()
	if r.err == nil {
		t.Errorf("no error (status %d, %d bytes)", r.status, len(r.body))
	}
	t.Logf("error: %v (after %d bytes)", r.err, len(r.body))
}

func TestFaultTimes(t *testing.T) {
	o, srv := newTestOrigin(t)
	url := srv.URL + "/" + keyGIF + "/0?wx_fmt=gif"

	o.SetFault(keyGIF, Fault503, -1)
	for range 5 {
		if r := get(t, srv.Client(), "GET", url); r.status != 503 {
			t.Fatalf("permanent fault: status %d, err %v", r.status, r.err)
		}
	}
	o.SetFault(keyGIF, FaultNone, 0)
	if r := get(t, srv.Client(), "GET", url); r.status != 200 {
		t.Fatalf("cleared fault: status %d", r.status)
	}
	o.SetFault(keyGIF, Fault404, 0) // zero times: no fault
	if r := get(t, srv.Client(), "GET", url); r.status != 200 {
		t.Fatalf("fault with times 0: status %d", r.status)
	}
	// A fault applies even to HEAD and to a foreign Referer, and counts them.
	o.SetFault(keyGIF, Fault429, 2)
	if r := get(t, srv.Client(), "HEAD", url); r.status != 429 {
		t.Errorf("HEAD: status %d", r.status)
	}
	if r := get(t, srv.Client(), "GET", url, "Referer", "https://example.com/"); r.status != 429 {
		t.Errorf("foreign Referer: status %d", r.status)
	}
	if r := get(t, srv.Client(), "GET", url); r.status != 200 {
		t.Errorf("after the faults: status %d", r.status)
	}
	// A fault on a key the origin does not have.
	o.SetFault("mmbiz_jpg/Unknown", FaultPlaceholder, 1)
	if r := get(t, srv.Client(), "GET", srv.URL+"/mmbiz_jpg/Unknown/640"); r.status != 200 || !bytes.Equal(r.body, o.Placeholder()) {
		t.Errorf("fault on unknown key: status %d", r.status)
	}
	if r := get(t, srv.Client(), "GET", srv.URL+"/mmbiz_jpg/Unknown/640"); r.status != 404 {
		t.Errorf("unknown key after its fault: status %d", r.status)
	}
}

func TestFaultRedirectFollowed(t *testing.T) {
	o, srv := newTestOrigin(t)
	mirror := New(testImages())
	mirrorSrv := httptest.NewServer(mirror)
	defer mirrorSrv.Close()

	o.SetRedirectTarget(mirrorSrv.URL)

	// Go's client sends the redirecting URL as Referer on an http-to-http
	// redirect, and the CDN answers a foreign Referer with the placeholder.
	o.SetFault(keyPNG, FaultRedirect, 1)
	r := get(t, srv.Client(), "GET", srv.URL+"/"+keyPNG+"/640?wx_fmt=png&from=appmsg")
	if r.err != nil || r.status != 200 || !bytes.Equal(r.body, o.Placeholder()) {
		t.Fatalf("default client: status %d, err %v, placeholder %v", r.status, r.err, bytes.Equal(r.body, o.Placeholder()))
	}
	reqs := mirror.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/"+keyPNG+"/640" || reqs[0].RawQuery != "wx_fmt=png&from=appmsg" ||
		!strings.HasPrefix(reqs[0].Referer, srv.URL) {
		t.Errorf("mirror saw %+v", reqs)
	}

	// A client that drops the Referer on redirects gets the image.
	c := &http.Client{
		Transport: srv.Client().Transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			req.Header.Del("Referer")
			return nil
		},
	}
	o.Reset()
	o.SetFault(keyPNG, FaultRedirect, 1)
	r = get(t, c, "GET", srv.URL+"/"+keyPNG+"/640?wx_fmt=png&from=appmsg")
	if r.err != nil || r.status != 200 || !bytes.Equal(r.body, testImages()[keyPNG]) {
		t.Fatalf("status %d, err %v", r.status, r.err)
	}

	// Without a target the redirect points back at the origin itself.
	o.SetRedirectTarget("")
	o.Reset()
	o.SetFault(keyPNG, FaultRedirect, 2)
	r = get(t, c, "GET", srv.URL+"/"+keyPNG+"/640?wx_fmt=png")
	if r.err != nil || r.status != 200 || !bytes.Equal(r.body, testImages()[keyPNG]) {
		t.Fatalf("self redirect: status %d, err %v", r.status, r.err)
	}
	if n := o.CountFor(keyPNG); n != 3 {
		t.Errorf("CountFor = %d, want 3 (two redirects, then the image)", n)
	}
}

func TestFaultStall(t *testing.T) {
	o, srv := newTestOrigin(t)
	o.SetFault(keyJPEG, FaultStall, -1)
	url := srv.URL + "/" + keyJPEG + "/640?wx_fmt=jpeg"
	want := testImages()[keyJPEG]

	// The client gives up: the handler must notice and return.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != int64(len(want)) {
		t.Errorf("ContentLength %d, want %d", resp.ContentLength, len(want))
	}
	first := make([]byte, len(want)/4)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("reading the first quarter: %v", err)
	}
	if !bytes.Equal(first, want[:len(first)]) {
		t.Error("wrong first quarter")
	}
	cancel()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("stalled body ended without an error")
	}
	resp.Body.Close()

	// Closing the origin releases a stalled request.
	resp, err = srv.Client().Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("reading the first quarter: %v", err)
	}
	o.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("stalled body ended without an error after Close")
	}
	// srv.Close (in Cleanup) would hang if a handler were still blocked.
}

func TestLatencyReleasedByClose(t *testing.T) {
	o, srv := newTestOrigin(t)
	o.SetLatency(1 << 62) // effectively forever
	done := make(chan response)
	go func() { done <- get(t, srv.Client(), "GET", srv.URL+"/"+keyGIF+"/0?wx_fmt=gif") }()
	for o.Count() == 0 {
		// Wait until the request has arrived (and is waiting).
		runtime.Gosched()
	}
	o.Close()
	r := <-done
	if r.err != nil || r.status != 200 {
		t.Errorf("status %d, err %v", r.status, r.err)
	}
}

func TestRequestLog(t *testing.T) {
	o, srv := newTestOrigin(t)
	get(t, srv.Client(), "GET", srv.URL+"/"+keyJPEG+"/640?wx_fmt=jpeg&from=appmsg",
		"Referer", "https://mp.weixin.qq.com/", "User-Agent", "imgmirror-test/1")
	req, _ := http.NewRequest("HEAD", srv.URL+"/"+keyPNG+"/0", nil)
	req.Host = "mmbiz.qpic.cn"
	req.Header.Set("User-Agent", "imgmirror-test/2")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	get(t, srv.Client(), "GET", srv.URL+"/"+keyJPEG+"/0")
	get(t, srv.Client(), "GET", srv.URL+"/robots.txt")

	reqs := o.Requests()
	if len(reqs) != 4 || o.Count() != 4 {
		t.Fatalf("logged %d requests, Count %d; want 4", len(reqs), o.Count())
	}
	r0 := reqs[0]
	if r0.Method != "GET" || r0.Path != "/"+keyJPEG+"/640" || r0.RawQuery != "wx_fmt=jpeg&from=appmsg" ||
		r0.Referer != "https://mp.weixin.qq.com/" || r0.UserAgent != "imgmirror-test/1" || r0.Key != keyJPEG || r0.Time.IsZero() {
		t.Errorf("first request logged as %+v", r0)
	}
	r1 := reqs[1]
	if r1.Method != "HEAD" || r1.Host != "mmbiz.qpic.cn" || r1.UserAgent != "imgmirror-test/2" || r1.Key != keyPNG {
		t.Errorf("second request logged as %+v", r1)
	}
	if reqs[3].Key != "" {
		t.Errorf("non-image path got key %q", reqs[3].Key)
	}
	if reqs[1].Time.Before(reqs[0].Time) {
		t.Error("log is not in order")
	}
	if n := o.CountFor(keyJPEG); n != 2 {
		t.Errorf("CountFor(jpeg) = %d, want 2", n)
	}
	if n := o.CountFor(keyGIF); n != 0 {
		t.Errorf("CountFor(gif) = %d, want 0", n)
	}

	// The log is a copy.
	reqs[0].Path = "changed"
	if o.Requests()[0].Path == "changed" {
		t.Error("Requests returned the internal slice")
	}

	o.Reset()
	if o.Count() != 0 || len(o.Requests()) != 0 || o.CountFor(keyJPEG) != 0 {
		t.Error("Reset left requests in the log")
	}
}

func TestRateLimit(t *testing.T) {
	o, srv := newTestOrigin(t)
	// A negligible refill rate: only the burst gets through.
	o.SetRateLimit(0.0001, 5)

	const n = 20
	var wg sync.WaitGroup
	statuses := make([]int, n)
	retryAfter := make([]string, n)
	for i := range n {
		wg.Go(func() {
			r := get(t, srv.Client(), "GET", srv.URL+"/"+keyJPEG+"/640?wx_fmt=jpeg")
			if r.err != nil {
				t.Error(r.err)
			}
			statuses[i] = r.status
			retryAfter[i] = r.header.Get("Retry-After")
		})
	}
	wg.Wait()
	ok, limited := 0, 0
	for i, s := range statuses {
		switch s {
		case 200:
			ok++
		case 429:
			limited++
			if retryAfter[i] != "1" {
				t.Errorf("429 with Retry-After %q", retryAfter[i])
			}
		default:
			t.Errorf("status %d", s)
		}
	}
	if ok != 5 || limited != n-5 {
		t.Errorf("%d served, %d limited; want 5 and %d", ok, limited, n-5)
	}
	if v := o.Violations(); v != n-5 {
		t.Errorf("Violations = %d, want %d", v, n-5)
	}
	if c := o.Count(); c != n {
		t.Errorf("Count = %d, want %d (limited requests are logged too)", c, n)
	}

	// Fault429 answers are not violations.
	o.Reset()
	o.SetFault(keyGIF, Fault429, 1)
	get(t, srv.Client(), "GET", srv.URL+"/"+keyGIF+"/0")
	if v := o.Violations(); v != 0 {
		t.Errorf("Violations after Reset and a Fault429 = %d, want 0", v)
	}

	// Reset refilled the bucket (the fault above took one token).
	served := 0
	for range 10 {
		if r := get(t, srv.Client(), "GET", srv.URL+"/"+keyPNG+"/0"); r.status == 200 {
			served++
		}
	}
	if served != 4 {
		t.Errorf("after Reset %d served, want 4", served)
	}

	// Removing the limit.
	o.SetRateLimit(0, 0)
	for range 10 {
		if r := get(t, srv.Client(), "GET", srv.URL+"/"+keyPNG+"/0"); r.status != 200 {
			t.Fatalf("without a limit: status %d", r.status)
		}
	}
}

func TestBucket(t *testing.T) {
	b := newBucket(2, 3) // 2 per second, bursts of 3
	now := time.Date(2025, 3, 8, 9, 30, 0, 0, time.UTC)
	for i := range 3 {
		if !b.allow(now) {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	if b.allow(now) {
		t.Fatal("request beyond the burst allowed")
	}
	now = now.Add(500 * time.Millisecond) // one token back
	if !b.allow(now) || b.allow(now) {
		t.Fatal("refill after 0.5s at 2/s should allow exactly one")
	}
	now = now.Add(time.Hour) // refill is capped at the burst
	n := 0
	for b.allow(now) {
		n++
	}
	if n != 3 {
		t.Errorf("after a long pause %d allowed, want 3", n)
	}
}

func TestConcurrentUse(t *testing.T) {
	o, srv := newTestOrigin(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				key := []string{keyJPEG, keyPNG, keyGIF}[(i+j)%3]
				if j%4 == 0 {
					o.SetFault(key, Fault503, 1)
				}
				get(t, srv.Client(), "GET", srv.URL+"/"+key+"/640")
				o.CountFor(key)
				o.Requests()
			}
		})
	}
	wg.Go(func() {
		o.SetLatency(0)
		o.SetRateLimit(1000, 1000)
		o.SetImage("mmbiz_jpg/New", []byte("x"))
		o.Violations()
	})
	wg.Wait()
	if o.Count() != 80 {
		t.Errorf("Count = %d, want 80", o.Count())
	}
}

func TestSetImage(t *testing.T) {
	o, srv := newTestOrigin(t)
	o.SetImage("mmbiz_jpg/Added", []byte("added bytes"))
	if r := get(t, srv.Client(), "GET", srv.URL+"/mmbiz_jpg/Added/640"); r.status != 200 || string(r.body) != "added bytes" {
		t.Errorf("added image: status %d, body %q", r.status, r.body)
	}
	o.SetImage("mmbiz_jpg/Added", nil)
	if r := get(t, srv.Client(), "GET", srv.URL+"/mmbiz_jpg/Added/640"); r.status != 404 {
		t.Errorf("removed image: status %d", r.status)
	}
}

func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		path, key string
		ok        bool
	}{
		{"/sz_mmbiz_jpg/abc/640", "sz_mmbiz_jpg/abc", true},
		{"/mmbiz_png/abc", "mmbiz_png/abc", true},
		{"/mmbiz_png/abc/", "mmbiz_png/abc", true},
		{"/mmbiz_gif/abc/s640", "mmbiz_gif/abc", true},
		{"/mmbiz/abc/0", "mmbiz/abc", true},
		{"/mmbiz_jpg/abc/s", "", false},
		{"/mmbiz_jpg/abc/640x", "", false},
		{"/mmbiz_jpg", "", false},
		{"/", "", false},
		{"//abc/640", "", false},
		{"/a/b/c/d", "", false},
		{"/mmbiz_jpg/a.b/640", "", false},
	} {
		key, ok := parsePath(tc.path)
		if key != tc.key || ok != tc.ok {
			t.Errorf("parsePath(%q) = %q, %v; want %q, %v", tc.path, key, ok, tc.key, tc.ok)
		}
	}
}

func TestFaultString(t *testing.T) {
	if s := FaultStall.String(); s != "FaultStall" {
		t.Errorf("FaultStall.String() = %q", s)
	}
	if s := Fault(99).String(); s != "Fault(99)" {
		t.Errorf("Fault(99).String() = %q", s)
	}
}

func TestPlaceholderMatchesDrawing(t *testing.T) {
	o := New(nil)
	if got := sha256Hex(o.Placeholder()); got != o.PlaceholderSHA256() || got != placeholderSHA256 {
		t.Errorf("SHA-256 of Placeholder is %s; PlaceholderSHA256 says %s", got, o.PlaceholderSHA256())
	}
	img, err := png.Decode(strings.NewReader(placeholderPNG))
	if err != nil {
		t.Fatal(err)
	}
	want := drawPlaceholder()
	if img.Bounds() != want.Bounds() {
		t.Fatalf("bounds %v, want %v", img.Bounds(), want.Bounds())
	}
	for y := range placeholderH {
		for x := range placeholderW {
			if g := color.GrayModel.Convert(img.At(x, y)).(color.Gray); g != want.GrayAt(x, y) {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, g, want.GrayAt(x, y))
			}
		}
	}
	// Re-encoding the drawing gives the same bytes with this Go version
	// (informational: a different encoder may legitimately differ).
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), []byte(placeholderPNG)) {
		t.Logf("re-encoded placeholder differs from the constant (%d vs %d bytes)", buf.Len(), len(placeholderPNG))
	}
}
