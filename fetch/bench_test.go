package fetch

import (
	"math"
	"net/http"
	"testing"
)

// BenchmarkFetch fetches a 200 KB image from a loopback server.
func BenchmarkFetch(b *testing.B) {
	img := imageBytes(200_000, 60)
	srv := newCountingServer(b, func(w http.ResponseWriter, r *http.Request, n int) {
		serveImage(w, img)
	})
	f, err := New(Options{AllowPrivate: true, Rate: math.Inf(1), TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(img)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := f.Fetch(b.Context(), srv.URL+"/a.jpg")
		if err != nil {
			b.Fatal(err)
		}
		res.Close()
	}
}
