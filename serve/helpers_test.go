package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/fetch"
	"github.com/imgmirror/imgmirror/internal/demo"
	"github.com/imgmirror/imgmirror/internal/origin"
	"github.com/imgmirror/imgmirror/manifest"
	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/thumbs"
)

// demoArticleKey is where archiveDemo puts the rewritten sample article.
const demoArticleKey = "articles/sample-article.md"

// archiveDemo archives the bundled sample article from the demo origin
// into st with the real pipeline, as `imgmirror demo` does, and returns
// the store copy's manifest.
func archiveDemo(t *testing.T, st storage.Store, publicURL string) *manifest.Manifest {
	t.Helper()
	o := httptest.NewServer(origin.New(demo.Images()))
	t.Cleanup(o.Close)
	opts := archive.Options{
		Store: st, StoreName: "test", PublicURL: publicURL, Out: t.TempDir(), Version: "test",
		Fetch: fetch.Options{
			AllowPrivate: true, Rate: math.Inf(1), Retries: fetch.None,
			Transport: &toOrigin{addr: o.Listener.Addr().String()},
		},
		Thumbs: thumbs.Options{Widths: []int{160}}, // one width: the race detector makes thumbnails slow
	}
	in := []archive.Input{{Source: "sample-article.md", Rel: "sample-article.md", Data: demo.Article()}}
	rep, err := archive.Run(context.Background(), opts, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Articles) != 1 || rep.Articles[0].Status != archive.ArticleComplete {
		t.Fatalf("demo archive incomplete: %+v", rep.Articles)
	}
	b, _, err := storage.ReadAll(context.Background(), st, archive.ManifestName(demoArticleKey))
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts.Archived == 0 || m.Counts.Failed != 0 {
		t.Fatalf("demo manifest counts %+v", m.Counts)
	}
	return m
}

// toOrigin sends every request to the demo origin, keeping the Host.
type toOrigin struct{ addr string }

func (t *toOrigin) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Host = req.URL.Host
	r.URL.Scheme, r.URL.Host = "http", t.addr
	return http.DefaultTransport.RoundTrip(r)
}

func newHandler(t *testing.T, opts Options) *Handler {
	t.Helper()
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// do sends a request straight to h. target is used as the raw request
// URI, so dot segments and escapes reach the handler as a client sent them.
func do(h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// put stores b under key and returns its hex SHA-256.
func put(t *testing.T, st storage.Store, key string, b []byte, contentType, cacheControl string) string {
	t.Helper()
	sum := sha256.Sum256(b)
	_, err := st.Put(context.Background(), key, bytes.NewReader(b), storage.PutOptions{
		ContentType: contentType, CacheControl: cacheControl, Size: int64(len(b)), Overwrite: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(sum[:])
}

// imgKey is the original's key for b, as the pipeline names it.
func imgKey(b []byte, ext string) string {
	sum := sha256.Sum256(b)
	return archive.OriginalKey(hex.EncodeToString(sum[:]), ext)
}

// fetchURL GETs url over the network and returns the response and body.
func fetchURL(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// imgSrcs returns the src of every <img> in an HTML page.
func imgSrcs(page string) []string {
	var srcs []string
	for _, part := range strings.Split(page, "<img ")[1:] {
		_, rest, ok := strings.Cut(part, `src="`)
		if !ok {
			srcs = append(srcs, "")
			continue
		}
		src, _, _ := strings.Cut(rest, `"`)
		srcs = append(srcs, src)
	}
	return srcs
}
