package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestFetchTooLargeContentLength(t *testing.T) {
	img := imageBytes(2000, 20)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Length", strconv.Itoa(len(img)))
		w.Write(img)
	})
	o := testOptions(t)
	o.MaxBytes = 1000
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrTooLarge) || e.Reason != "too large: over 1000 bytes (Content-Length 2000)" || srv.requests() != 1 {
		t.Errorf("error %v, requests %d", e, srv.requests())
	}
}

func TestFetchExactlyMaxBytes(t *testing.T) {
	img := imageBytes(1000, 21)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		serveImage(w, img)
	})
	o := testOptions(t)
	o.MaxBytes = 1000
	if res := fetchOK(t, newTestFetcher(t, o), srv.URL+"/a.jpg"); res.Size != 1000 {
		t.Errorf("size %d", res.Size)
	}
}

func TestFetchTooLargeStreaming(t *testing.T) {
	const total = 64 << 20 // what the server would send if nobody stopped it
	written := make(chan int, 1)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		// No Content-Length: chunked, so only the streaming limit can stop it.
		chunk := imageBytes(32<<10, 22)
		sent := 0
		for sent < total {
			k, err := w.Write(chunk)
			sent += k
			if err != nil {
				break
			}
			w.(http.Flusher).Flush()
		}
		written <- sent
	})
	o := testOptions(t)
	o.MaxBytes = 1 << 20
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/big.jpg")
	if !errors.Is(e, ErrTooLarge) || e.Reason != "too large: over 1048576 bytes" || e.Attempts != 1 {
		t.Errorf("error %v", e)
	}
	if sent := <-written; sent >= total {
		t.Errorf("server wrote all %d bytes: reading was not bounded", sent)
	}
	assertEmptyDir(t, o.TempDir)
}

func TestFetchRedirects(t *testing.T) {
	img := imageBytes(900, 23)
	var mu sync.Mutex
	var headers []http.Header
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		headers = append(headers, r.Header.Clone())
		mu.Unlock()
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/middle", http.StatusFound)
		case "/middle":
			http.Redirect(w, r, "/final.jpg", http.StatusMovedPermanently)
		default:
			serveImage(w, img)
		}
	})
	o := testOptions(t)
	o.UserAgent = "ua-test"
	res := fetchOK(t, newTestFetcher(t, o), srv.URL+"/start")
	if res.URL != srv.URL+"/start" || res.FinalURL != srv.URL+"/final.jpg" || res.Attempts != 1 {
		t.Errorf("result %+v", res)
	}
	if len(headers) != 3 {
		t.Fatalf("%d requests, want 3", len(headers))
	}
	for i, h := range headers {
		if h.Get("Referer") != "" || h.Get("User-Agent") != "ua-test" {
			t.Errorf("request %d: Referer %q, User-Agent %q", i, h.Get("Referer"), h.Get("User-Agent"))
		}
	}
}

func TestFetchRedirectToDisallowedHost(t *testing.T) {
	target := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		serveImage(w, imageBytes(100, 24))
	})
	origin := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Redirect(w, r, target.URL+"/x.jpg", http.StatusFound)
	})
	originHost := strings.TrimPrefix(origin.URL, "http://")
	o := testOptions(t)
	o.Allow = func(u *url.URL) bool { return u.Host == originHost }
	e := fetchErr(t, newTestFetcher(t, o), origin.URL+"/a.jpg")
	if !errors.Is(e, ErrHostNotAllowed) || e.Attempts != 1 || !strings.Contains(e.Reason, "host not allowed") {
		t.Errorf("error %v", e)
	}
	if origin.requests() != 1 || target.requests() != 0 {
		t.Errorf("origin saw %d requests, disallowed target %d", origin.requests(), target.requests())
	}
}

func TestFetchDisallowedFirstURL(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {})
	o := testOptions(t)
	o.Allow = func(*url.URL) bool { return false }
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrHostNotAllowed) || e.Attempts != 0 || srv.requests() != 0 {
		t.Errorf("error %v, requests %d", e, srv.requests())
	}
}

func TestFetchRedirectToBadScheme(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	e := fetchErr(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrScheme) || srv.requests() != 1 {
		t.Errorf("error %v", e)
	}
}

func TestFetchTooManyRedirects(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Redirect(w, r, fmt.Sprintf("/r%d", n), http.StatusFound)
	})
	o := testOptions(t)
	o.MaxRedirects = 2
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/r0")
	if !errors.Is(e, ErrTooManyRedirects) || e.Attempts != 1 {
		t.Errorf("error %v", e)
	}
	if srv.requests() != 3 {
		t.Errorf("server saw %d requests, want 3 (first + 2 redirects)", srv.requests())
	}
	o.MaxRedirects = None
	srv.n.Store(0)
	fetchErr(t, newTestFetcher(t, o), srv.URL+"/r0")
	if srv.requests() != 1 {
		t.Errorf("MaxRedirects None: server saw %d requests, want 1", srv.requests())
	}
}
