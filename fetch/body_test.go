package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
)

func TestFetchSpillsToTempFile(t *testing.T) {
	img := imageBytes(5<<20, 40)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		serveImage(w, img)
	})
	o := testOptions(t)
	res, err := newTestFetcher(t, o).Fetch(t.Context(), srv.URL+"/big.jpg")
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(o.TempDir)
	if len(entries) != 1 || res.file == nil || res.data != nil {
		t.Fatalf("want the body spilled to one temp file; dir has %d entries", len(entries))
	}
	if res.SHA256 != sha(img) || res.Size != int64(len(img)) {
		t.Errorf("sha %s size %d", res.SHA256, res.Size)
	}
	// Two readers, used concurrently, each see the whole body.
	var wg sync.WaitGroup
	sums := make([]string, 2)
	for i := range sums {
		wg.Go(func() {
			h := sha256.New()
			if _, err := io.Copy(h, res.NewReader()); err != nil {
				t.Error(err)
			}
			sums[i] = hex.EncodeToString(h.Sum(nil))
		})
	}
	wg.Wait()
	for i, s := range sums {
		if s != sha(img) {
			t.Errorf("reader %d read a body with sha %s", i, s)
		}
	}
	if err := res.Close(); err != nil {
		t.Fatal(err)
	}
	assertEmptyDir(t, o.TempDir)
	if err := res.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := res.NewReader().Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
		t.Errorf("read after Close: %v, want os.ErrClosed", err)
	}
}

func TestFetchSmallBodyInMemory(t *testing.T) {
	img := imageBytes(memLimit, 41)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		serveImage(w, img)
	})
	o := testOptions(t)
	res := fetchOK(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if res.file != nil || len(res.data) != memLimit {
		t.Error("a body of exactly memLimit bytes was not kept in memory")
	}
	assertEmptyDir(t, o.TempDir)
	res.Close()
	if _, err := res.NewReader().Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
		t.Errorf("read after Close: %v, want os.ErrClosed", err)
	}
}

func TestFetchNoTempFileLeftOnError(t *testing.T) {
	big := imageBytes(8<<20, 42)
	placeholder := imageBytes(5<<20, 43)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.URL.Path {
		case "/big":
			w.Write(big) // chunked: over the limit only while streaming
		case "/placeholder":
			serveImage(w, placeholder)
		case "/short":
			hijackAndCut(t, w, big[:6<<20], 5<<20, false) // spilled, then cut
		}
	})
	o := testOptions(t)
	o.MaxBytes = 7 << 20
	o.Retries = None
	o.Placeholders = []string{sha(placeholder)}
	f := newTestFetcher(t, o)
	for path, want := range map[string]error{"/big": ErrTooLarge, "/placeholder": ErrPlaceholder, "/short": ErrShortBody} {
		if e := fetchErr(t, f, srv.URL+path); !errors.Is(e, want) {
			t.Errorf("%s: error %v, want %v", path, e, want)
		}
		assertEmptyDir(t, o.TempDir)
	}
}

func TestFetchLargeHTMLFailsEarly(t *testing.T) {
	page := "<html><body>" + strings.Repeat("x", 10<<20) + "</body></html>"
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, page)
	})
	o := testOptions(t)
	e := fetchErr(t, newTestFetcher(t, o), srv.URL+"/a.jpg")
	if !errors.Is(e, ErrNotImage) || !strings.Contains(e.Reason, "HTML page") {
		t.Errorf("error %v", e)
	}
	assertEmptyDir(t, o.TempDir)
}
