package main

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/gif"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/imgmirror/imgmirror/internal/origin"
	"github.com/imgmirror/imgmirror/thumbs"
)

// raceEnabled is set under the race detector, which makes the image
// codecs slow enough to skip the heaviest checks.
var raceEnabled bool

func TestUniquifyKeepsPixels(t *testing.T) {
	p, err := loadPool("..", "")
	if err != nil {
		t.Fatal(err)
	}
	all := append(append([]poolImage(nil), p.regular...), p.large...)
	if testing.Short() || raceEnabled {
		// One regular image per format.
		all = nil
		seen := map[string]bool{}
		for _, im := range p.regular {
			if !seen[im.format] {
				seen[im.format] = true
				all = append(all, im)
			}
		}
	}
	formats := map[string]bool{}
	for _, im := range all {
		formats[im.format] = true
		u := uniquify(im.data, im.format, "sz_mmbiz_jpg/ClW8TestX000001Q")
		if bytes.Equal(u, im.data) || sha256.Sum256(u) == sha256.Sum256(im.data) {
			t.Fatalf("%s: bytes unchanged", im.name)
		}
		a, _, err := image.Decode(bytes.NewReader(im.data))
		if err != nil {
			t.Fatalf("%s: %v", im.name, err)
		}
		b, _, err := image.Decode(bytes.NewReader(u))
		if err != nil {
			t.Fatalf("%s uniquified: %v", im.name, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: uniquified image decodes differently", im.name)
		}
		r1, err1 := thumbs.Make(bytes.NewReader(im.data), int64(len(im.data)), thumbs.Options{})
		r2, err2 := thumbs.Make(bytes.NewReader(u), int64(len(u)), thumbs.Options{})
		if err1 != nil || err2 != nil || len(r1.Thumbs) != len(r2.Thumbs) || r1.Width != r2.Width || r1.Height != r2.Height {
			t.Errorf("%s: thumbs.Make differs: %v %v", im.name, err1, err2)
		}
		if vips, err := exec.LookPath("vipsheader"); err == nil {
			f := filepath.Join(t.TempDir(), im.name)
			os.WriteFile(f, u, 0o644)
			if out, err := exec.Command(vips, f).CombinedOutput(); err != nil {
				t.Errorf("%s uniquified: vipsheader: %v\n%s", im.name, err, out)
			}
		}
	}
	for _, f := range []string{"jpeg", "png", "gif", "webp"} {
		if !formats[f] {
			t.Errorf("no %s in bench/testdata", f)
		}
	}
}

func TestLargeGIF(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("slow")
	}
	b := largeGIF(20 << 20)
	if len(b) < 20<<20 {
		t.Fatalf("%d bytes", len(b))
	}
	g, err := gif.DecodeAll(bytes.NewReader(uniquify(b, "gif", "x")))
	if err != nil || len(g.Image) < 2 {
		t.Fatalf("%v, %d frames", err, len(g.Image))
	}
}

func TestMaxPerSecond(t *testing.T) {
	t0 := time.Unix(100, 900_000_000)
	var reqs []origin.Request
	for _, d := range []time.Duration{0, 10, 20, 50, 150, 950, 1000, 1001, 2500} {
		reqs = append(reqs, origin.Request{Time: t0.Add(d * time.Millisecond)})
	}
	w, c := maxPerSecond(reqs)
	// [10ms, 1010ms) holds 10..1001 = 7; calendar seconds 100 and 101 hold 4 each.
	if w != 7 || c != 4 {
		t.Fatalf("window %d calendar %d, want 7 and 4", w, c)
	}
}

func TestLargeJPEG(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("slow")
	}
	p, err := loadPool("..", "")
	if err != nil {
		t.Fatal(err)
	}
	b, from, err := largeJPEG(p.photos)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != 3840 || cfg.Height != 2160 || len(b) < 6<<20 {
		t.Fatalf("%v: %dx%d, %d bytes", err, cfg.Width, cfg.Height, len(b))
	}
	t.Logf("%d bytes from %s", len(b), from)
}
