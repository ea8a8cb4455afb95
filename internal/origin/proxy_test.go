package origin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// e2e is an Origin reachable as https://mmbiz.qpic.cn (and the other CDN
// hosts) and http://mmbiz.qpic.cn through a forward proxy.
type e2e struct {
	origin *Origin
	tls    *httptest.Server
	plain  *httptest.Server
	proxy  *Proxy
	caPEM  []byte
	caFile string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	o := New(testImages())
	tlsSrv, caPEM, err := NewTLSServer(o, CDNHosts()...)
	if err != nil {
		t.Fatal(err)
	}
	plain := httptest.NewServer(o)
	p := NewProxy(tlsSrv.Listener.Addr().String(), plain.Listener.Addr().String(), CDNHosts()...)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-registered first: release stalls, then the proxy,
	// then the servers.
	t.Cleanup(tlsSrv.Close)
	t.Cleanup(plain.Close)
	t.Cleanup(p.Close)
	t.Cleanup(o.Close)
	return &e2e{origin: o, tls: tlsSrv, plain: plain, proxy: p, caPEM: caPEM, caFile: caFile}
}

// client returns a client that uses the proxy and trusts the CA.
func (e *e2e) client(t *testing.T) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(e.caPEM) {
		t.Fatal("CA PEM does not parse")
	}
	proxyURL, err := url.Parse(e.proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{
		Proxy:           http.ProxyURL(proxyURL),
		TLSClientConfig: &tls.Config{RootCAs: pool},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestProxyTLS(t *testing.T) {
	e := newE2E(t)
	c := e.client(t)
	want := testImages()[keyJPEG]

	for _, host := range CDNHosts() {
		u := "https://" + host + "/" + keyJPEG + "/640?wx_fmt=jpeg&from=appmsg"
		r := get(t, c, "GET", u, "Referer", "https://mp.weixin.qq.com/")
		if r.err != nil || r.status != 200 || !bytes.Equal(r.body, want) {
			t.Errorf("%s: status %d, err %v, %d bytes", u, r.status, r.err, len(r.body))
		}
		if !slices.Contains(e.proxy.Targets(), host+":443") {
			t.Errorf("proxy targets %q lack %s:443", e.proxy.Targets(), host)
		}
	}
	reqs := e.origin.Requests()
	if len(reqs) != len(CDNHosts()) {
		t.Fatalf("origin saw %d requests, want %d", len(reqs), len(CDNHosts()))
	}
	if reqs[0].Host != "mmbiz.qpic.cn" || reqs[0].Key != keyJPEG || reqs[0].RawQuery != "wx_fmt=jpeg&from=appmsg" {
		t.Errorf("origin logged %+v", reqs[0])
	}

	// The server's own client trusts the CA as well.
	if r := get(t, e.tls.Client(), "GET", e.tls.URL+"/"+keyPNG+"/0?wx_fmt=png"); r.err != nil || r.status != 200 {
		t.Errorf("tls.Client(): status %d, err %v", r.status, r.err)
	}
}

func TestProxyPlainHTTP(t *testing.T) {
	e := newE2E(t)
	c := e.client(t)
	u := "http://mmbiz.qpic.cn/" + keyGIF + "/640?wx_fmt=gif"
	r := get(t, c, "GET", u, "User-Agent", "imgmirror-test")
	if r.err != nil || r.status != 200 || !bytes.Equal(r.body, testImages()[keyGIF]) {
		t.Fatalf("status %d, err %v", r.status, r.err)
	}
	if r.header.Get("Content-Type") != "image/gif" {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
	if !slices.Contains(e.proxy.Targets(), u) {
		t.Errorf("proxy targets %q lack %s", e.proxy.Targets(), u)
	}
	reqs := e.origin.Requests()
	if len(reqs) != 1 || reqs[0].Host != "mmbiz.qpic.cn" || reqs[0].UserAgent != "imgmirror-test" || reqs[0].RawQuery != "wx_fmt=gif" {
		t.Errorf("origin logged %+v", reqs)
	}
}

func TestProxyRefusesOtherHosts(t *testing.T) {
	e := newE2E(t)
	c := e.client(t)
	if r := get(t, c, "GET", "https://example.com/"); r.err == nil {
		t.Errorf("https://example.com/ through the proxy: status %d, want an error", r.status)
	}
	if r := get(t, c, "GET", "http://example.org/x"); r.err != nil || r.status != http.StatusForbidden {
		t.Errorf("http://example.org/x: status %d, err %v; want 403", r.status, r.err)
	}
	if got, want := e.proxy.Refused(), []string{"example.com:443", "http://example.org/x"}; !slices.Equal(got, want) {
		t.Errorf("Refused = %q, want %q", got, want)
	}
	if got := e.proxy.Targets(); len(got) != 2 {
		t.Errorf("Targets = %q", got)
	}
	if e.origin.Count() != 0 {
		t.Errorf("origin saw %d requests", e.origin.Count())
	}
}

func TestProxyUntrustedWithoutCA(t *testing.T) {
	e := newE2E(t)
	proxyURL, _ := url.Parse(e.proxy.URL)
	tr := &http.Transport{Proxy: http.ProxyURL(proxyURL)}
	defer tr.CloseIdleConnections()
	r := get(t, &http.Client{Transport: tr}, "GET", "https://mmbiz.qpic.cn/"+keyJPEG+"/640")
	if r.err == nil || !strings.Contains(r.err.Error(), "certificate") {
		t.Errorf("without the CA: status %d, err %v; want a certificate error", r.status, r.err)
	}
}

func TestProxyFaultsPassThrough(t *testing.T) {
	e := newE2E(t)
	c := e.client(t)
	u := "https://mmbiz.qpic.cn/" + keyJPEG + "/640?wx_fmt=jpeg"

	e.origin.SetFault(keyJPEG, FaultReset, 1)
	if r := get(t, c, "GET", u); r.err == nil {
		t.Errorf("FaultReset through the tunnel: status %d, no error", r.status)
	}
	e.origin.SetFault(keyJPEG, FaultShort, 1)
	if r := get(t, c, "GET", u); r.err == nil {
		t.Errorf("FaultShort through the tunnel: status %d, no error", r.status)
	}
	e.origin.SetFault(keyJPEG, FaultShort, 1)
	if r := get(t, c, "GET", "http://mmbiz.qpic.cn/"+keyJPEG+"/640"); r.err == nil {
		t.Errorf("FaultShort through plain forwarding: status %d, no error", r.status)
	}

	// A client giving up on a stalled download through the tunnel releases
	// the origin's handler (Close in the cleanups would hang otherwise).
	e.origin.SetFault(keyJPEG, FaultStall, 1)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	if r := get(t, c, "GET", u); r.err != nil || r.status != 200 {
		t.Errorf("after the faults: status %d, err %v", r.status, r.err)
	}
}

// helperEnv is the variable that turns TestHelperFetch into a fetcher.
const helperEnv = "ORIGIN_TEST_HELPER_URL"

// TestHelperFetch is not a real test: run as a subprocess with helperEnv
// set, it fetches that URL with Go's default client, configured only by the
// environment (HTTPS_PROXY, SSL_CERT_FILE) as the imgmirror binary is, and
// prints the status and the body's SHA-256.
func TestHelperFetch(t *testing.T) {
	u := os.Getenv(helperEnv)
	if u == "" {
		t.Skip("helper process for TestEnvironmentSubprocess")
	}
	resp, err := http.Get(u)
	if err != nil {
		fmt.Printf("ERROR %v\n", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		fmt.Printf("ERROR %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("RESULT %d %x\n", resp.StatusCode, h.Sum(nil))
	os.Exit(0)
}

// cleanEnv returns the environment without proxy and CA settings, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "REQUEST_METHOD",
			"SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", helperEnv:
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestEnvironmentSubprocess checks that a separate Go process reaches the
// origin at https://mmbiz.qpic.cn through HTTPS_PROXY, trusting it through
// SSL_CERT_FILE, the way end-to-end tests run the imgmirror binary.
func TestEnvironmentSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	e := newE2E(t)
	u := "https://mmbiz.qpic.cn/" + keyPNG + "/640?wx_fmt=png"
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFetch$", "-test.count=1")
	cmd.Env = cleanEnv(
		helperEnv+"="+u,
		"HTTPS_PROXY="+e.proxy.URL,
		"https_proxy="+e.proxy.URL,
		"NO_PROXY=",
		"no_proxy=",
		"SSL_CERT_FILE="+e.caFile,
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	want := fmt.Sprintf("RESULT 200 %s", sha256Hex(testImages()[keyPNG]))
	if !strings.Contains(string(out), want) {
		t.Fatalf("helper printed %q, want %q", out, want)
	}
	if !slices.Contains(e.proxy.Targets(), "mmbiz.qpic.cn:443") {
		t.Errorf("proxy targets %q", e.proxy.Targets())
	}
	if reqs := e.origin.Requests(); len(reqs) != 1 || reqs[0].Host != "mmbiz.qpic.cn" {
		t.Errorf("origin saw %+v", reqs)
	}

	// Without SSL_CERT_FILE the subprocess does not trust the origin.
	cmd = exec.Command(os.Args[0], "-test.run=^TestHelperFetch$", "-test.count=1")
	cmd.Env = cleanEnv(helperEnv+"="+u, "HTTPS_PROXY="+e.proxy.URL, "NO_PROXY=")
	out, _ = cmd.CombinedOutput()
	if !strings.Contains(string(out), "ERROR") || !strings.Contains(string(out), "certificate") {
		t.Errorf("without SSL_CERT_FILE the helper printed %q, want a certificate error", out)
	}
}

// TestCurl checks the proxy and CA file with curl, if it is installed.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	e := newE2E(t)
	want := testImages()[keyJPEG]
	u := "https://mmbiz.qpic.cn/" + keyJPEG + "/640?wx_fmt=jpeg&from=appmsg"
	dir := t.TempDir()

	// Explicit options.
	out1 := filepath.Join(dir, "1.jpg")
	cmd := exec.Command(curl, "-q", "-sS", "--fail", "--proxy", e.proxy.URL, "--cacert", e.caFile, "-o", out1, u)
	cmd.Env = cleanEnv()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("curl --proxy --cacert: %v\n%s", err, b)
	}
	// The proxy from the environment.
	out2 := filepath.Join(dir, "2.jpg")
	cmd = exec.Command(curl, "-q", "-sS", "--fail", "--cacert", e.caFile, "-o", out2, u)
	cmd.Env = cleanEnv("HTTPS_PROXY="+e.proxy.URL, "https_proxy="+e.proxy.URL)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("curl with HTTPS_PROXY: %v\n%s", err, b)
	}
	for _, f := range []string{out1, out2} {
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, want the image's %d", f, len(got), len(want))
		}
	}
	if n := e.origin.CountFor(keyJPEG); n != 2 {
		t.Errorf("origin saw %d requests for the image, want 2", n)
	}
	if got := e.proxy.Targets(); len(got) != 2 || got[0] != "mmbiz.qpic.cn:443" {
		t.Errorf("proxy targets %q", got)
	}
}
