package serve

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imgmirror/imgmirror/internal/demo"
	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/filestore"
	"github.com/imgmirror/imgmirror/storage/memstore"
)

// stores returns a fresh memory store and file store, by name.
func stores(t *testing.T) map[string]storage.Store {
	fs, err := filestore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]storage.Store{"memstore": memstore.New(), "filestore": fs}
}

func TestServeObjectHeaders(t *testing.T) {
	jpg := demo.Images()["mmbiz_jpg/Pb5xKmRvQ2Lnwpiaeic9Hs4tYedl7ZoNeiaSibVvx3ibHFia9LEGwsyouTxgvyiaRxACE3HYAcibEQPOmiiaw"]
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			key := imgKey(jpg, "jpg")
			sum := put(t, st, key, jpg, "image/jpeg", storage.CacheImmutable)
			thumb := "thumb/320/" + sum[:2] + "/" + sum + ".jpg"
			put(t, st, thumb, jpg[:100], "image/jpeg", storage.CacheImmutable)
			put(t, st, "articles/a.md", []byte("# A\n"), "text/markdown; charset=utf-8", storage.CacheNoCache)
			put(t, st, "articles/a.manifest.json", []byte("{}\n"), "application/json", storage.CacheNoCache)
			h := newHandler(t, Options{Store: st})

			w := do(h, "GET", "/"+key, nil)
			if w.Code != 200 || w.Body.String() != string(jpg) {
				t.Fatalf("GET image: %d, %d bytes", w.Code, w.Body.Len())
			}
			hdr := w.Header()
			want := map[string]string{
				"Content-Type": "image/jpeg", "Cache-Control": storage.CacheImmutable, "ETag": `"` + sum + `"`,
				"X-Content-Type-Options": "nosniff", "Content-Security-Policy": objectCSP, "Accept-Ranges": "bytes",
			}
			for k, v := range want {
				if hdr.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, hdr.Get(k), v)
				}
			}
			if lm, err := http.ParseTime(hdr.Get("Last-Modified")); err != nil || time.Since(lm) > time.Hour {
				t.Errorf("Last-Modified %q", hdr.Get("Last-Modified"))
			}

			w = do(h, "HEAD", "/"+key, nil)
			if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != strconv.Itoa(len(jpg)) || w.Header().Get("ETag") != `"`+sum+`"` {
				t.Errorf("HEAD: %d, body %d, length %q, etag %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"), w.Header().Get("ETag"))
			}
			for _, m := range []string{"GET", "HEAD"} {
				w = do(h, m, "/"+key, map[string]string{"If-None-Match": `"` + sum + `"`})
				if w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != `"`+sum+`"` {
					t.Errorf("%s If-None-Match: %d, %d bytes", m, w.Code, w.Body.Len())
				}
			}
			if w = do(h, "GET", "/"+key, map[string]string{"If-None-Match": `"other"`}); w.Code != 200 {
				t.Errorf("If-None-Match other: %d", w.Code)
			}

			w = do(h, "GET", "/"+thumb, nil)
			if w.Code != 200 || w.Header().Get("ETag") != `"`+sum+`"` || w.Header().Get("Cache-Control") != storage.CacheImmutable {
				t.Errorf("thumbnail: %d %q %q", w.Code, w.Header().Get("ETag"), w.Header().Get("Cache-Control"))
			}

			for key, ct := range map[string]string{"articles/a.md": "text/markdown; charset=utf-8", "articles/a.manifest.json": "application/json"} {
				w = do(h, "GET", "/"+key, nil)
				info, _ := st.Stat(context.Background(), key)
				if w.Code != 200 || w.Header().Get("Content-Type") != ct || w.Header().Get("Cache-Control") != "no-cache" ||
					w.Header().Get("ETag") == "" || w.Header().Get("ETag") != etagFor(key, info) {
					t.Errorf("%s: %d %v", key, w.Code, w.Header())
				}
				etag := w.Header().Get("ETag")
				if w = do(h, "GET", "/"+key, map[string]string{"If-None-Match": etag}); w.Code != http.StatusNotModified {
					t.Errorf("%s If-None-Match %s: %d", key, etag, w.Code)
				}
			}

			for _, miss := range []string{"/img/00/" + strings.Repeat("0", 64) + ".jpg", "/img", "/img/" + sum[:2], "/articles", "/nothing"} {
				if w = do(h, "GET", miss, nil); w.Code != 404 || w.Header().Get("Cache-Control") != "no-store" {
					t.Errorf("GET %s: %d %q", miss, w.Code, w.Header().Get("Cache-Control"))
				}
			}
		})
	}
}

func TestServeObjectFallbacks(t *testing.T) {
	st := memstore.New()
	put(t, st, "img/ab/x.bin", []byte("x"), "", "")
	put(t, st, "index/url/y.json", []byte("{}"), "", "")
	h := newHandler(t, Options{Store: st})
	w := do(h, "GET", "/img/ab/x.bin", nil)
	if w.Header().Get("Content-Type") != "application/octet-stream" || w.Header().Get("Cache-Control") != storage.CacheImmutable {
		t.Errorf("img fallback headers: %v", w.Header())
	}
	if w.Header().Get("ETag") == "" {
		t.Error("no ETag from the store's")
	}
	w = do(h, "GET", "/index/url/y.json", nil)
	if w.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("index fallback Cache-Control %q", w.Header().Get("Cache-Control"))
	}
}

func TestServeRange(t *testing.T) {
	body := []byte(strings.Repeat("0123456789", 1000))
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			key := imgKey(body, "png")
			put(t, st, key, body, "image/png", storage.CacheImmutable)
			h := newHandler(t, Options{Store: st})

			for rng, want := range map[string]string{"bytes=10-19": string(body[10:20]), "bytes=9990-": string(body[9990:]), "bytes=-5": string(body[len(body)-5:])} {
				w := do(h, "GET", "/"+key, map[string]string{"Range": rng})
				if w.Code != http.StatusPartialContent || w.Body.String() != want {
					t.Errorf("Range %s: %d %q", rng, w.Code, w.Body.String())
				}
			}
			if w := do(h, "GET", "/"+key, map[string]string{"Range": "bytes=20000-"}); w.Code != http.StatusRequestedRangeNotSatisfiable || w.Header().Get("Cache-Control") != "" {
				t.Errorf("unsatisfiable range: %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
			}
			etag := `"` + contentDigest(key) + `"`
			if w := do(h, "GET", "/"+key, map[string]string{"Range": "bytes=0-1", "If-Range": `"stale"`}); w.Code != 200 || w.Body.Len() != len(body) {
				t.Errorf("If-Range stale: %d", w.Code)
			}
			if w := do(h, "GET", "/"+key, map[string]string{"Range": "bytes=0-1", "If-Range": etag}); w.Code != http.StatusPartialContent {
				t.Errorf("If-Range current: %d", w.Code)
			}

			// Several ranges: multipart from a seekable file, the whole
			// object from a stream.
			w := do(h, "GET", "/"+key, map[string]string{"Range": "bytes=50-59,0-4"})
			if name == "memstore" {
				if w.Code != 200 || w.Body.String() != string(body) {
					t.Errorf("multi-range from a stream: %d, %d bytes", w.Code, w.Body.Len())
				}
				return
			}
			mt, params, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
			if w.Code != http.StatusPartialContent || mt != "multipart/byteranges" {
				t.Fatalf("multi-range from a file: %d %s", w.Code, mt)
			}
			mr := multipart.NewReader(w.Body, params["boundary"])
			var parts []string
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				b, _ := io.ReadAll(p)
				parts = append(parts, string(b))
			}
			if len(parts) != 2 || parts[0] != string(body[50:60]) || parts[1] != string(body[:5]) {
				t.Errorf("parts %q", parts)
			}
		})
	}
}

func TestServeForwardSeeker(t *testing.T) {
	s := &forwardSeeker{r: strings.NewReader("abcdefghij"), size: 10}
	if n, _ := s.Seek(0, io.SeekEnd); n != 10 {
		t.Fatalf("size %d", n)
	}
	s.Seek(3, io.SeekStart)
	b := make([]byte, 2)
	if _, err := io.ReadFull(s, b); err != nil || string(b) != "de" {
		t.Fatalf("read %q %v", b, err)
	}
	if n, _ := s.Seek(2, io.SeekCurrent); n != 7 {
		t.Fatalf("current %d", n)
	}
	rest, _ := io.ReadAll(s)
	if string(rest) != "hij" {
		t.Fatalf("rest %q", rest)
	}
	s.Seek(0, io.SeekStart)
	if _, err := s.Read(b); !errors.Is(err, errBackwards) {
		t.Fatalf("backwards: %v", err)
	}
	if _, err := s.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("negative offset accepted")
	}
}

func TestServeMethods(t *testing.T) {
	st := memstore.New()
	put(t, st, "img/ab/x.jpg", []byte("x"), "image/jpeg", "")
	h := newHandler(t, Options{Store: st})
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		for _, p := range []string{"/img/ab/x.jpg", "/", "/healthz", "/view/a.md"} {
			w := do(h, m, p, nil)
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q", m, p, w.Code, w.Header().Get("Allow"))
			}
		}
	}
	if b, _, _ := storage.ReadAll(context.Background(), st, "img/ab/x.jpg"); string(b) != "x" {
		t.Error("object changed")
	}
}

func TestServeHealthz(t *testing.T) {
	h := newHandler(t, Options{Store: memstore.New()})
	if w := do(h, "GET", "/healthz", nil); w.Code != 200 || w.Body.String() != "ok\n" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("healthz: %d %q", w.Code, w.Body.String())
	}
	if w := do(h, "HEAD", "/healthz", nil); w.Code != 200 {
		t.Errorf("HEAD healthz: %d", w.Code)
	}
	calls := 0
	h = newHandler(t, Options{Store: memstore.New(), Check: func(ctx context.Context) error {
		calls++
		if _, ok := ctx.Deadline(); !ok {
			t.Error("check without deadline")
		}
		return errors.New("bucket gone")
	}})
	if w := do(h, "GET", "/healthz", nil); w.Code != http.StatusServiceUnavailable || strings.Contains(w.Body.String(), "bucket") || calls != 1 {
		t.Errorf("failing check: %d %q (%d calls)", w.Code, w.Body.String(), calls)
	}
}

func TestServeNewRejectsBadPublicURL(t *testing.T) {
	for _, u := range []string{"ftp://x", "cdn.example.com", "https://", "https://x/?a=1", "javascript:alert(1)"} {
		if _, err := New(Options{Store: memstore.New(), PublicURL: u}); err == nil {
			t.Errorf("public URL %q accepted", u)
		}
	}
	if _, err := New(Options{}); err == nil {
		t.Error("no store accepted")
	}
}
