package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imgmirror/imgmirror/internal/origin"
	"github.com/imgmirror/imgmirror/manifest"
)

// TestSSRFRefused runs the binary, behind a proxy as cron hosts are, on an
// article whose images point at private addresses, directly or through a
// redirect: each is refused with a clear reason, and nothing is sent to
// the forbidden targets.
func TestSSRFRefused(t *testing.T) {
	var hits atomic.Int32
	private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer private.Close()
	port := private.Listener.Addr().(interface{ String() string }).String()
	port = port[strings.LastIndexByte(port, ':')+1:]

	art := "# SSRF\n\n" +
		"![](http://127.0.0.1:" + port + "/a.png)\n" +
		"![](http://localhost:" + port + "/b.png)\n" +
		"![](http://[::1]:" + port + "/c.png)\n" +
		"![](http://169.254.169.254/latest/meta-data/d.png)\n" +
		"![](http://10.1.2.3/e.png)\n" +
		"![](https://user:secret@mmbiz.qpic.cn/mmbiz_jpg/ok/0)\n" +
		"![](file:///etc/passwd)\n" +
		"![](https://mmbiz.qpic.cn/mmbiz_jpg/moved/640)\n" +
		"![](https://mmbiz.qpic.cn/mmbiz_jpg/ok/640)\n"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ssrf.md"), []byte(art))
	c := startCDN(t, imagesFor([]byte(art)))
	c.origin.SetFault("mmbiz_jpg/moved", origin.FaultRedirect, -1)
	c.origin.SetRedirectTarget("http://169.254.169.254")

	r := run(t, dir, c.env, "archive", "--any-host", "ssrf.md")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the private server got %d requests", n)
	}
	m := readManifest(t, filepath.Join(dir, "mirrored", "ssrf.manifest.json"))
	for _, im := range m.Images {
		want := map[bool]manifest.Status{true: manifest.StatusArchived, false: manifest.StatusFailed}[strings.HasSuffix(im.URL, "/ok/640")]
		if strings.HasPrefix(im.URL, "file:") || strings.Contains(im.URL, "user:secret") {
			want = manifest.StatusSkipped
		}
		if im.Status != want {
			t.Errorf("%s: %s (%s), want %s", im.URL, im.Status, im.Error, want)
		}
		if want != manifest.StatusArchived && im.Error == "" {
			t.Errorf("%s: no reason given", im.URL)
		}
		if want == manifest.StatusFailed && !strings.Contains(im.Error, "private address") {
			t.Errorf("%s: reason %q does not say it is a private address", im.URL, im.Error)
		}
		if strings.Contains(im.Error, "secret") {
			t.Errorf("%s: the password appears in the reason %q", im.URL, im.Error)
		}
	}
	for _, req := range c.origin.Requests() {
		if strings.Contains(req.Host, "169.254") || strings.Contains(req.Host, "10.1.2.3") {
			t.Errorf("a forbidden target was requested: %+v", req)
		}
	}
}
