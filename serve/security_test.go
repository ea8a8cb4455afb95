package serve

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/filestore"
)

const secret = "TOP-SECRET-OUTSIDE-THE-STORE"

// traversalStore is a file store in DIR/store with secrets beside it
// (DIR/secret.txt, DIR/secret.md) and in its metadata directory.
func traversalStore(t *testing.T) (*filestore.Store, string) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"secret.txt", "secret.md", "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(secret), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := filestore.New(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	put(t, st, "img/ab/x.jpg", []byte("image"), "image/jpeg", storage.CacheImmutable)
	put(t, st, "articles/a.md", []byte("# a\n"), "", "")
	if err := os.WriteFile(filepath.Join(st.Dir(), ".meta", "x.json"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	return st, dir
}

// traversals are request URIs that must never reach a file outside the
// store, nor a store internal, with the status each gets.
var traversals = []struct {
	target string
	code   int
}{
	{"/../etc/passwd", 400},
	{"/../secret.txt", 400},
	{"/%2e%2e/x", 400},
	{"/%2E%2E/secret.txt", 400},
	{"/img/%2e%2e/%2e%2e/x", 400},
	{"/img/%2e%2e/%2e%2e/secret.txt", 400},
	{"/img/..%2f..%2fx", 400},
	{"/img/..%2F..%2Fsecret.txt", 400},
	{"/..%2fsecret.txt", 400},
	{"/img%2fab%2fx.jpg", 400},
	{"/img%2fab%2fx.jpg|", 400},
	{"/img%2Fab/x.jpg%7C", 400},
	{"/img/..%5c..%5csecret.txt", 400},
	{`/img\..\..\secret.txt`, 400},
	{"/./img/ab/x.jpg", 400},
	{"//etc/passwd", 400},
	{"//secret.txt", 400},
	{"/img//ab/x.jpg", 400},
	{"/.meta/x.json", 400},
	{"/.meta/img/ab/x.jpg.json", 400},
	{"/.tmp/x", 400},
	{"/img/ab/x.jpg%00", 400},
	{"/img/", 404},
	{"/img/ab/", 404},
	{"/articles/", 404},
	{"/img", 404},
	{"/img/ab", 404},
	{"/view/../../secret.md", 400},
	{"/view/%2e%2e/%2e%2e/secret.md", 400},
	{"/view/..%2f..%2fsecret.md", 400},
	{"/view/", 404},
	{"/view/sub/", 404},
	{"/view/a.manifest.json", 404},
}

func TestServeTraversal(t *testing.T) {
	st, _ := traversalStore(t)
	h := newHandler(t, Options{Store: st})
	for _, tc := range traversals {
		for _, m := range []string{"GET", "HEAD"} {
			w := do(h, m, tc.target, nil)
			if w.Code != tc.code || strings.Contains(w.Body.String(), secret) {
				t.Errorf("%s %s: %d (want %d) %q", m, tc.target, w.Code, tc.code, w.Body.String())
			}
		}
	}
	// The object itself is there, so the refusals above are not 404s by
	// accident.
	if w := do(h, "GET", "/img/ab/x.jpg", nil); w.Code != 200 {
		t.Fatalf("control: %d", w.Code)
	}
}

// TestServeTraversalOverTCP sends the same request lines over a real
// connection, byte for byte as written, through net/http's server.
func TestServeTraversalOverTCP(t *testing.T) {
	st, _ := traversalStore(t)
	srv := httptest.NewServer(newHandler(t, Options{Store: st}))
	defer srv.Close()
	for _, tc := range traversals {
		if strings.Contains(tc.target, `\`) || strings.Contains(tc.target, "%00") {
			continue // covered above; not all are valid request lines
		}
		code, body := rawGet(t, srv.Listener.Addr().String(), tc.target)
		if code != tc.code || strings.Contains(body, secret) {
			t.Errorf("GET %s over TCP: %d (want %d) %q", tc.target, code, tc.code, body)
		}
	}
}

// rawGet sends "GET target HTTP/1.1" on a new connection and returns the
// status and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeHasEncodedSeparator(t *testing.T) {
	for p, want := range map[string]bool{"/a/b": false, "/a%2fb": true, "/a%2Fb": true, "/a%5Cb": true, "/a%252fb": false, "/%E4%B8%AD": false} {
		if got := hasEncodedSeparator(p); got != want {
			t.Errorf("hasEncodedSeparator(%q) = %v", p, got)
		}
	}
}

func TestServeContentDigest(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	for key, want := range map[string]string{
		"img/ab/" + sum + ".jpg":                  sum,
		"thumb/320/ab/" + sum + ".png":            sum,
		"img/cd/" + sum + ".jpg":                  "",
		"thumb/x/ab/" + sum + ".png":              "",
		"img/ab/" + sum:                           "",
		"img/ab/" + strings.ToUpper(sum) + ".jpg": "",
		"articles/ab/" + sum + ".md":              "",
		"img/ab/cd/" + sum + ".jpg":               "",
	} {
		if got := contentDigest(key); got != want {
			t.Errorf("contentDigest(%q) = %q, want %q", key, got, want)
		}
	}
}
