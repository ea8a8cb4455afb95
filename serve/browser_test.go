package serve

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imgmirror/imgmirror/storage/memstore"
)

// findChromium returns the Chromium binary, failing the test in CI (where
// scripts/test.sh installs the Debian package chromium) and skipping it
// elsewhere when there is none. Debian's package chromium installs
// /usr/bin/chromium.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := "headless Chromium not found (install the Debian package chromium: apt-get install -y chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// checkerPage is served by the test server only. It loads a page in a
// same-origin iframe and, once the page and all its images are loaded,
// writes into its own DOM how many of the page's images decoded, the
// sources of those that did not, and whether any script ran in the page.
const checkerPage = `<!doctype html>
<html><head><title>PENDING</title></head><body>
<iframe id="f" width="1024" height="768"></iframe>
<script>
var f = document.getElementById("f");
f.addEventListener("load", function () {
  var d = f.contentDocument, out = document.createElement("pre");
  var imgs = d ? Array.prototype.slice.call(d.images) : [], bad = [];
  imgs.forEach(function (im) {
    if (!(im.complete && im.naturalWidth > 0)) bad.push(im.getAttribute("src"));
  });
  out.id = "result";
  out.textContent = (bad.length === 0 && imgs.length > 0 ? "IMAGES-OK " : "IMAGES-BAD ") +
    (imgs.length - bad.length) + "/" + imgs.length +
    " SCRIPTS " + (d ? d.scripts.length : -1) + " TITLE " + (d ? d.title : "") + "\n" + bad.join("\n");
  document.body.appendChild(out);
});
f.src = decodeURIComponent(location.hash.slice(1));
</script>
</body></html>
`

// TestServeBrowserViewImagesLoad archives the sample article with the
// real pipeline, serves it, and has headless Chromium load
// the view page: every image (inline, from the HTML <img> tag, and the
// gallery's thumbnails) must load and decode under the page's CSP, and no
// script may run in a page whose article tries to run some.
func TestServeBrowserViewImagesLoad(t *testing.T) {
	chromium := findChromium(t)
	// A memory store: the file store's fsyncs make archiving slow, and
	// serving from files is covered by the other tests and the CLI's.
	st := memstore.New()
	archiveDemo(t, st, "")
	put(t, st, "articles/evil.md", []byte("# evil\n\n<script>document.title='PWNED'</script>\n\n"+
		`<img src="../img/none.jpg" onerror="document.title='PWNED'" data-src="x">`+"\n\n"+
		`<img src="javascript:document.title='PWNED'">`+"\n"), "", "")
	h := newHandler(t, Options{Store: st})
	mux := http.NewServeMux()
	mux.HandleFunc("/__check", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, checkerPage)
	})
	mux.Handle("/", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// The number of images the page has, to compare with the browser's.
	_, page := fetchURL(t, srv.URL+"/view/sample-article.md")
	want := len(imgSrcs(page))
	if want < 10 {
		t.Fatalf("only %d images in the page", want)
	}

	res := runChromium(t, chromium, srv.URL+"/__check#"+"/view/sample-article.md")
	if res[1] != "IMAGES-OK" || res[2] != fmt.Sprint(want) || res[3] != fmt.Sprint(want) || res[4] != "0" {
		t.Errorf("sample article in Chromium: %s %s/%s images, %s scripts; not loaded:\n%s", res[1], res[2], res[3], res[4], res[6])
	}

	res = runChromium(t, chromium, srv.URL+"/__check#"+"/view/evil.md")
	if res[4] != "0" || strings.Contains(res[5], "PWNED") || res[5] != "evil.md · imgmirror" {
		t.Errorf("hostile article in Chromium: %s scripts, title %q", res[4], res[5])
	}
}

// runChromium loads url in headless Chromium and returns the checker's
// result line, split into its fields.
func runChromium(t *testing.T, chromium, url string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
		"--no-proxy-server", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=10000", "--dump-dom", url)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 2000))
	}
	resultRe := regexp.MustCompile(`<pre id="result">(IMAGES-\w+) (\d+)/(\d+) SCRIPTS (-?\d+) TITLE ([^\n]*)\n?([^<]*)</pre>`)
	m := resultRe.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no result in Chromium's DOM:\n%s\nstderr:\n%s", tail(string(out), 2000), tail(stderr.String(), 2000))
	}
	return m
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
