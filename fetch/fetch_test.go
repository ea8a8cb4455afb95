package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFetchSuccess(t *testing.T) {
	img := imageBytes(10_000, 1)
	var ua, accept, referer string
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		ua, accept, referer = r.UserAgent(), r.Header.Get("Accept"), r.Header.Get("Referer")
		serveImage(w, img)
	})
	o := testOptions(t)
	o.UserAgent = "imgmirror-test/1.0"
	f := newTestFetcher(t, o)
	res := fetchOK(t, f, srv.URL+"/a.jpg")
	if res.SHA256 != sha(img) || res.Size != int64(len(img)) {
		t.Errorf("got sha %s size %d, want %s %d", res.SHA256, res.Size, sha(img), len(img))
	}
	if res.Format.Name != "jpeg" || res.URL != srv.URL+"/a.jpg" || res.FinalURL != res.URL || res.Attempts != 1 {
		t.Errorf("unexpected result %+v", res)
	}
	body, err := io.ReadAll(res.NewReader())
	if err != nil || string(body) != string(img) {
		t.Errorf("NewReader body differs (err %v)", err)
	}
	if ua != "imgmirror-test/1.0" || !strings.HasPrefix(accept, "image/") || referer != "" {
		t.Errorf("request headers: UA %q Accept %q Referer %q", ua, accept, referer)
	}
	assertEmptyDir(t, o.TempDir)
}

func TestFetchNotFoundNotRetried(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.NotFound(w, r)
	})
	e := fetchErr(t, newTestFetcher(t, testOptions(t)), srv.URL+"/gone.jpg")
	if srv.requests() != 1 || e.Attempts != 1 || e.StatusCode != 404 || e.Reason != "HTTP 404" || !errors.Is(e, ErrHTTPStatus) {
		t.Errorf("requests %d, error %+v", srv.requests(), e)
	}
}

func TestFetchServerErrorRetried(t *testing.T) {
	img := imageBytes(1000, 2)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			http.Error(w, "oops", http.StatusInternalServerError)
			return
		}
		serveImage(w, img)
	})
	res := fetchOK(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a.jpg")
	if srv.requests() != 2 || res.Attempts != 2 || res.SHA256 != sha(img) {
		t.Errorf("requests %d, attempts %d", srv.requests(), res.Attempts)
	}
}

func TestFetchRetriesExhausted(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Error(w, "oops", http.StatusBadGateway)
	})
	o := testOptions(t)
	o.Retries = 2
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if srv.requests() != 3 || e.Attempts != 3 || e.StatusCode != 502 {
		t.Errorf("requests %d, error %+v", srv.requests(), e)
	}
	if want := srv.URL + "/a.jpg: HTTP 502 (after 3 attempts)"; e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestFetchNoRetries(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Error(w, "oops", http.StatusInternalServerError)
	})
	o := testOptions(t)
	o.Retries = None
	fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if srv.requests() != 1 {
		t.Errorf("requests %d, want 1", srv.requests())
	}
}

func TestFetchBackoffBounds(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusTooManyRequests) // no Retry-After: plain backoff
	})
	o := testOptions(t)
	o.BaseBackoff = 100 * time.Millisecond
	o.Retries = 4
	f, clk := newFakeClockFetcher(t, o)
	e := fetchErr(t, f, srv.URL+"/a.jpg")
	if e.Attempts != 5 || srv.requests() != 5 {
		t.Fatalf("attempts %d, requests %d", e.Attempts, srv.requests())
	}
	for i, d := range clk.slept() {
		if bound := o.BaseBackoff << i; d < 0 || d > bound {
			t.Errorf("backoff %d = %v, want within [0, %v]", i+1, d, bound)
		}
	}
}

func TestFetchContextCanceledDuringBackoff(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Error(w, "oops", http.StatusInternalServerError)
	})
	o := testOptions(t)
	o.BaseBackoff = time.Hour
	f, clk := newFakeClockFetcher(t, o)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk.onSleep = func(time.Duration) { cancel() }
	_, err := f.Fetch(ctx, srv.URL+"/a.jpg", srv.URL+"/b.jpg")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if srv.requests() > 1 {
		t.Errorf("requests %d after cancel, want at most 1", srv.requests())
	}
}

func TestFetchCanceledContext(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newTestFetcher(t, testOptions(t)).Fetch(ctx, srv.URL+"/a.jpg")
	if !errors.Is(err, context.Canceled) || srv.requests() != 0 {
		t.Errorf("err = %v, requests %d", err, srv.requests())
	}
}

func TestFetchHTMLNotImage(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!DOCTYPE html><html><body>Please open in WeChat</body></html>")
	})
	e := fetchErr(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrNotImage) || srv.requests() != 1 {
		t.Fatalf("error %v, requests %d", e, srv.requests())
	}
	if want := "not an image (HTML page, Content-Type text/html; charset=utf-8)"; e.Reason != want {
		t.Errorf("Reason = %q, want %q", e.Reason, want)
	}
}

func TestFetchImageDespiteContentType(t *testing.T) {
	img := imageBytes(100, 3)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(img)
	})
	res := fetchOK(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a")
	if res.Format.Name != "jpeg" {
		t.Errorf("format %v", res.Format)
	}
}

func TestFetchEmptyBody(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {})
	e := fetchErr(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a")
	if !errors.Is(e, ErrNotImage) || !strings.Contains(e.Reason, "empty body") {
		t.Errorf("error %v", e)
	}
}

func TestFetchPlaceholder(t *testing.T) {
	placeholder := imageBytes(2000, 4)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		serveImage(w, placeholder)
	})
	o := testOptions(t)
	o.Placeholders = []string{strings.ToUpper(sha(placeholder))}
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrPlaceholder) || e.Reason != "hotlink placeholder" || srv.requests() != 1 {
		t.Errorf("error %v, requests %d", e, srv.requests())
	}
}

func TestFetchFallback(t *testing.T) {
	img := imageBytes(3000, 5)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/original.jpg" {
			http.NotFound(w, r)
			return
		}
		serveImage(w, img)
	})
	res := fetchOK(t, newTestFetcher(t, testOptions(t)), srv.URL+"/original.jpg", srv.URL+"/written.jpg")
	if res.URL != srv.URL+"/written.jpg" || res.Attempts != 2 || res.SHA256 != sha(img) {
		t.Errorf("result %+v", res)
	}
}

func TestFetchAllFail(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/a" {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "no", http.StatusForbidden)
	})
	e := fetchErr(t, newTestFetcher(t, testOptions(t)), srv.URL+"/a", srv.URL+"/a", srv.URL+"/b")
	if e.URL != srv.URL+"/b" || e.StatusCode != 403 || len(e.Earlier) != 1 || e.Earlier[0].StatusCode != 404 {
		t.Fatalf("error %+v", e)
	}
	if !strings.Contains(e.Error(), "earlier: "+srv.URL+"/a: HTTP 404") {
		t.Errorf("Error() = %q does not mention the earlier URL", e.Error())
	}
	if srv.requests() != 2 {
		t.Errorf("requests %d, want 2 (duplicate URL tried once)", srv.requests())
	}
}

func TestFetchNoURL(t *testing.T) {
	_, err := newTestFetcher(t, testOptions(t)).Fetch(context.Background())
	if !errors.Is(err, ErrBadURL) {
		t.Errorf("err = %v", err)
	}
}

func TestNewValidation(t *testing.T) {
	bad := []Options{
		{Rate: -1},
		{Timeout: -1},
		{MaxBytes: -5},
		{Placeholders: []string{"abc"}},
		{TempDir: "/nonexistent/dir/for/fetch/test"},
	}
	for _, o := range bad {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
	f, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := f.opts
	if o.Rate != DefaultRate || o.Burst != DefaultBurst || o.Retries != DefaultRetries || o.Timeout != DefaultTimeout ||
		o.MaxBytes != DefaultMaxBytes || o.MaxRedirects != DefaultMaxRedirects || o.UserAgent != DefaultUserAgent {
		t.Errorf("defaults not applied: %+v", o)
	}
	f, _ = New(Options{Retries: None, MaxRedirects: None})
	if f.opts.Retries != 0 || f.opts.MaxRedirects != 0 {
		t.Errorf("None not applied: %+v", f.opts)
	}
}
