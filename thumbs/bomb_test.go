package thumbs

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// allocated returns the bytes allocated (by the whole process) while f
// runs. Tests using it must not call t.Parallel: parallel tests only start
// once all the sequential ones have finished.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// bombAllocLimit bounds what the refusal path may allocate: buffered
// readers and the decoders' header state, nothing proportional to the
// declared size. (A decode of the smallest bomb below would need 16 MB.)
const bombAllocLimit = 1 << 20

func TestBombsAreNotDecoded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		reason string
	}{
		{"PNG 100000x100000", pngWithSize(t, 100000, 100000), "too many pixels: 100000x100000 > 50000000"},
		{"JPEG 60000x60000", jpegWithSize(t, 60000, 60000), "too many pixels: 60000x60000 > 50000000"},
		{"JPEG 65535x1000", jpegWithSize(t, 65535, 1000), "too many pixels: 65535x1000 > 50000000"},
		{"WebP VP8X 20000x20000", webpVP8X(20000, 20000), "too many pixels: 20000x20000 > 50000000"},
		{"WebP VP8X 2^24 square", webpVP8X(1<<24, 1<<24), "too many pixels: 16777216x16777216 > 50000000"},
		{"WebP VP8 16383x16383", webpVP8(16383, 16383), "too many pixels: 16383x16383 > 50000000"},
		{"GIF 65535x65535", gifScreen(t, 65535, 65535), "too many pixels: 65535x65535 > 50000000"},
	} {
		var res *Result
		var err error
		n := allocated(func() {
			res, err = makeThumbs(bytes.NewReader(tc.data), int64(len(tc.data)), Options{}, noDecode(t))
		})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if res.Reason != tc.reason || len(res.Thumbs) != 0 {
			t.Errorf("%s: Reason %q, %d thumbs; want %q", tc.name, res.Reason, len(res.Thumbs), tc.reason)
		}
		if n > bombAllocLimit {
			t.Errorf("%s: allocated %d bytes", tc.name, n)
		}
		t.Logf("%s: allocated %d bytes", tc.name, n)
	}
}

// gifScreen returns a one-frame GIF whose logical screen is w x h.
func gifScreen(t *testing.T, w, h int) []byte {
	b := gifFrames(t, 1, 8, 8, color.White)
	b[6], b[7], b[8], b[9] = byte(w), byte(w>>8), byte(h), byte(h>>8)
	return b
}

// TestPixelLimitIsExclusiveAndMemoryBound: the same real image is refused
// with little memory just over the limit and decoded (allocating more than
// the bound) when allowed, so the memory assertion above can fail.
func TestPixelLimitIsExclusiveAndMemoryBound(t *testing.T) {
	b := encodePNG(t, uniform(2000, 2000, color.NRGBA{9, 99, 199, 255}))
	var res *Result
	n := allocated(func() { res = mustMake(t, b, Options{MaxPixels: 2000*2000 - 1}) })
	if res.Reason != "too many pixels: 2000x2000 > 3999999" || n > bombAllocLimit {
		t.Errorf("just over the limit: Reason %q, allocated %d", res.Reason, n)
	}
	n = allocated(func() { res = mustMake(t, b, Options{MaxPixels: 2000 * 2000}) })
	if res.Reason != "" || len(res.Thumbs) != 2 || n < bombAllocLimit {
		t.Errorf("at the limit: Reason %q, %d thumbs, allocated %d", res.Reason, len(res.Thumbs), n)
	}
}

func TestTooManyGIFFrames(t *testing.T) {
	b := gifTinyFrames(10000)
	if g, err := gif.DecodeAll(bytes.NewReader(b)); err != nil || len(g.Image) != 10000 {
		t.Fatalf("bad test GIF: %v", err)
	}
	var res *Result
	var err error
	n := allocated(func() {
		res, err = makeThumbs(bytes.NewReader(b), int64(len(b)), Options{}, noDecode(t))
	})
	if err != nil || res.Reason != "too many frames: more than 1000" {
		t.Fatalf("Reason %q, error %v", res.Reason, err)
	}
	if n > 64<<10 {
		t.Errorf("refusing allocated %d bytes", n)
	}

	// The walker stops at the limit: with MaxFrames 10 it reads only the
	// first few kilobytes of the 10,000 frames.
	cr := &countingReader{r: bytes.NewReader(b)}
	if got := countGIFFrames(cr, int64(len(b)), 11); got != 11 {
		t.Errorf("countGIFFrames = %d, want 11", got)
	}
	if got := cr.n.Load(); got > 8<<10 || len(b) < 100<<10 {
		t.Errorf("read %d of %d bytes", got, len(b))
	}
	if got := countGIFFrames(bytes.NewReader(b), int64(len(b)), 1<<20); got != 10000 {
		t.Errorf("countGIFFrames = %d, want 10000", got)
	}

	// MaxFrames is inclusive.
	five := gifFrames(t, 5, 400, 300, color.White)
	if res := mustMake(t, five, Options{MaxFrames: 4}); res.Reason != "too many frames: more than 4" {
		t.Errorf("5 frames, MaxFrames 4: Reason %q", res.Reason)
	}
	if res := mustMake(t, five, Options{MaxFrames: 5}); res.Reason != "" || len(res.Thumbs) != 1 {
		t.Errorf("5 frames, MaxFrames 5: %+v", res)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.ReaderAt
	n atomic.Int64
}

// ReadAt reads from the underlying reader and counts the bytes.
func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

func TestGIFFrameWalkerSkipsExtensionsAndTables(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("GIF89a\x01\x00\x01\x00\x81\x00\x00") // 4-entry global table
	b.Write(make([]byte, 12))
	b.WriteString("\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00") // application extension
	for range 3 {
		b.WriteString("\x21\xf9\x04\x00\x0a\x00\x00\x00")                                 // graphic control
		b.WriteString("\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00") // local 2-entry table
		b.WriteString("\x02\x02\x44\x01\x00")                                             // LZW data
	}
	b.WriteString("\x3b")
	if n := countGIFFrames(bytes.NewReader(b.Bytes()), int64(b.Len()), 100); n != 3 {
		t.Errorf("countGIFFrames = %d, want 3", n)
	}
	if _, err := Make(bytes.NewReader(b.Bytes()), int64(b.Len()), Options{}); err != nil {
		t.Errorf("Make: %v", err)
	}
}

func TestCorruptInputIsAnError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	photo := readTestdata(t, "photo-aqua.jpg")
	spring := readTestdata(t, "diagram-spring.png")
	webp := readTestdata(t, "webp-ladybird.webp")
	flowers := readTestdata(t, "anim-flowers.gif")
	garbled := append([]byte{}, photo...)
	for i := 1000; i < len(garbled); i += 7 {
		garbled[i] = 0xff
	}
	for name, b := range map[string][]byte{
		"empty":              nil,
		"random bytes":       random,
		"JPEG magic, random": append([]byte{0xff, 0xd8, 0xff}, random...),
		"PNG magic, random":  append([]byte("\x89PNG\r\n\x1a\n"), random...),
		"GIF magic, random":  append([]byte("GIF89a\x10\x00\x10\x00\x00\x00\x00"), random...),
		"truncated JPEG":     photo[:len(photo)/2],
		"JPEG header only":   photo[:600],
		"garbled JPEG":       garbled,
		"truncated PNG":      spring[:len(spring)/2],
		"truncated WebP":     webp[:len(webp)/2],
		"truncated GIF":      flowers[:2000],
		"WebP header only":   webpVP8X(100, 100),
		"PNG 0x0":            pngWithSize(t, 0, 0),
		"PNG 2^31-1 square":  pngWithSize(t, 1<<31-1, 1<<31-1), // image/png: dimension overflow
		"GIF 0x0":            gifScreen(t, 0, 0),
		"JPEG 0x10":          jpegWithSize(t, 0, 10),
		"PNG lies 100x100":   pngWithSize(t, 100, 100),
	} {
		res, err := Make(bytes.NewReader(b), int64(len(b)), Options{Widths: []int{8}})
		if err == nil {
			t.Errorf("%s: no error, result %+v", name, res)
			continue
		}
		if !strings.HasPrefix(err.Error(), "thumbs: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
	// Probe sees the headers only, so truncated data is fine but a bad
	// header is not.
	if _, _, _, err := Probe(bytes.NewReader(photo[:600]), 600); err != nil {
		t.Errorf("Probe of a JPEG header: %v", err)
	}
	if _, _, _, err := Probe(bytes.NewReader(random), int64(len(random))); err == nil {
		t.Error("Probe of random bytes: no error")
	}
}

// TestDecodedBoundsMustMatchHeader: a decoded image whose bounds disagree
// with its header is refused.
func TestDecodedBoundsMustMatchHeader(t *testing.T) {
	b := readTestdata(t, "photo-aqua.jpg")
	liar := func(io.ReaderAt, int64, string) (image.Image, error) {
		return image.NewGray(image.Rect(0, 0, 5000, 5000)), nil
	}
	if _, err := makeThumbs(bytes.NewReader(b), int64(len(b)), Options{}, liar); err == nil {
		t.Error("no error")
	}
}
