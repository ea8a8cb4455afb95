package thumbs

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"slices"
	"strings"
	"sync"
	"testing"

	_ "golang.org/x/image/webp" // for image.Decode in the tests
)

func TestJPEGPhoto(t *testing.T) {
	res := mustMake(t, readTestdata(t, "photo-aqua.jpg"), Options{})
	if res.Width != 1080 || res.Height != 675 || res.Format != "jpeg" || res.Reason != "" || len(res.Skipped) != 0 {
		t.Fatalf("got %dx%d %q reason %q skipped %v", res.Width, res.Height, res.Format, res.Reason, res.Skipped)
	}
	want := []struct{ w, h int }{{320, 200}, {640, 400}} // 675*320/1080 = 200
	if len(res.Thumbs) != len(want) {
		t.Fatalf("got %d thumbs, want %d", len(res.Thumbs), len(want))
	}
	for i, th := range res.Thumbs {
		if th.Width != want[i].w || th.Height != want[i].h || th.Ext != "jpg" {
			t.Errorf("thumb %d: %dx%d %s, want %dx%d jpg", i, th.Width, th.Height, th.Ext, want[i].w, want[i].h)
		}
		decodeThumb(t, th)
	}
}

func TestWidthsOrderDedupeAndSkips(t *testing.T) {
	res := mustMake(t, readTestdata(t, "photo-aqua.jpg"), Options{Widths: []int{640, 100, 640, 0, 2000, 1080, 1079}})
	var got []int
	for _, th := range res.Thumbs {
		got = append(got, th.Width)
	}
	if !slices.Equal(got, []int{640, 100, 1079}) {
		t.Errorf("thumb widths %v, want [640 100 1079]", got)
	}
	if res.Thumbs[2].Height != 674 { // 1079*675/1080 = 674.4
		t.Errorf("1079 px thumb is %d high, want 674", res.Thumbs[2].Height)
	}
	want := []Skip{
		{0, "invalid width"},
		{2000, "image is only 1080 px wide (no upscaling)"},
		{1080, "image is only 1080 px wide (no upscaling)"}, // equal width: the original serves
	}
	if !slices.Equal(res.Skipped, want) {
		t.Errorf("Skipped = %v, want %v", res.Skipped, want)
	}
}

func TestSmallImageIsNotDecoded(t *testing.T) {
	b := encodeJPEG(t, uniform(200, 150, color.NRGBA{10, 200, 30, 255}))
	res, err := makeThumbs(bytes.NewReader(b), int64(len(b)), Options{}, noDecode(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Thumbs) != 0 || len(res.Skipped) != 2 || res.Reason != "" {
		t.Fatalf("thumbs %d, skipped %v, reason %q", len(res.Thumbs), res.Skipped, res.Reason)
	}
	for i, w := range []int{320, 640} {
		if s := res.Skipped[i]; s.Width != w || s.Reason != "image is only 200 px wide (no upscaling)" {
			t.Errorf("Skipped[%d] = %+v", i, s)
		}
	}
	res, err = makeThumbs(bytes.NewReader(b), int64(len(b)), Options{Widths: []int{}}, noDecode(t))
	if err != nil || len(res.Thumbs)+len(res.Skipped) != 0 {
		t.Errorf("empty Widths: %+v, %v", res, err)
	}
}

func TestPNGWithAlpha(t *testing.T) {
	t.Parallel()
	b := readTestdata(t, "diagram-spring.png")
	orig := decodeFile(t, b)
	res := mustMake(t, b, Options{})
	if res.Format != "png" || res.Width != 1080 || res.Height != 810 || len(res.Thumbs) != 2 {
		t.Fatalf("got %+v", res)
	}
	origMean := meanColour(orig, orig.Bounds())
	for _, th := range res.Thumbs {
		if th.Ext != "png" {
			t.Fatalf("thumb %d is %s, want png", th.Width, th.Ext)
		}
		m := decodeThumb(t, th)
		var transparent, opaque, partial int
		nrgba := image.NewNRGBA(m.Bounds())
		draw.Draw(nrgba, nrgba.Rect, m, image.Point{}, draw.Src)
		for i := 3; i < len(nrgba.Pix); i += 4 {
			switch nrgba.Pix[i] {
			case 0:
				transparent++
			case 255:
				opaque++
			default:
				partial++
			}
		}
		if transparent == 0 || partial == 0 {
			t.Errorf("thumb %d: %d transparent, %d partially transparent, %d opaque pixels", th.Width, transparent, partial, opaque)
		}
		if d := colourDist(meanColour(m, m.Bounds()), origMean); d > 2 {
			t.Errorf("thumb %d: mean premultiplied colour differs from the original by %.1f", th.Width, d)
		}
	}
}

// TestOpaquePNGBecomesJPEG: a PNG with an alpha channel whose pixels are
// all opaque becomes a JPEG (documented decision); one transparent pixel
// makes it a PNG.
func TestOpaquePNGBecomesJPEG(t *testing.T) {
	t.Parallel()
	m := image.NewNRGBA(image.Rect(0, 0, 800, 600))
	for y := range 600 {
		for x := range 800 {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	pal := image.NewPaletted(m.Rect, color.Palette{color.RGBA{200, 0, 0, 255}, color.RGBA{}}) // index 1 unused
	gray16 := image.NewGray16(m.Rect)
	nrgba64 := image.NewNRGBA64(m.Rect)
	gray := image.NewGray(m.Rect)
	for y := range 600 {
		for x := range 800 {
			gray16.SetGray16(x, y, color.Gray16{uint16(x * 80)})
			nrgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(x * 80), 0, 40000, uint16(y * 100)})
			gray.SetGray(x, y, color.Gray{uint8(y)})
		}
	}
	for _, tc := range []struct {
		name string
		m    image.Image
		ext  string
	}{
		{"opaque NRGBA", m, "jpg"},
		{"paletted with unused transparent entry", pal, "jpg"},
		{"one transparent pixel", withPixel(m, 5, 5, color.NRGBA{}), "png"},
		{"paletted with used transparent entry", withPixel(pal, 5, 5, color.RGBA{}), "png"},
		{"8-bit grey", gray, "jpg"},
		{"16-bit grey", gray16, "jpg"},
		{"16-bit RGBA with alpha", nrgba64, "png"},
	} {
		res := mustMake(t, encodePNG(t, tc.m), Options{Widths: []int{400}})
		if len(res.Thumbs) != 1 || res.Thumbs[0].Ext != tc.ext {
			t.Errorf("%s: got %+v, want one %s", tc.name, res.Thumbs, tc.ext)
			continue
		}
		got := decodeThumb(t, res.Thumbs[0])
		if p := psnr(got, referenceThumb(tc.m, 400)); p < minPSNR {
			t.Errorf("%s: PSNR %.1f dB", tc.name, p)
		}
	}
}

func withPixel(m image.Image, x, y int, c color.Color) image.Image {
	switch m := m.(type) {
	case *image.NRGBA:
		n := *m
		n.Pix = slices.Clone(m.Pix)
		n.Set(x, y, c)
		return &n
	case *image.Paletted:
		n := *m
		n.Pix = slices.Clone(m.Pix)
		n.Set(x, y, c)
		return &n
	}
	panic("unsupported")
}

func TestAnimatedGIFUsesFirstFrame(t *testing.T) {
	red, blue := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
	b := gifFrames(t, 2, 400, 300, red, blue)
	res := mustMake(t, b, Options{})
	if res.Format != "gif" || len(res.Thumbs) != 1 || len(res.Skipped) != 1 {
		t.Fatalf("got %+v", res)
	}
	th := res.Thumbs[0]
	if th.Ext != "jpg" || th.Width != 320 || th.Height != 240 {
		t.Fatalf("thumb %dx%d %s", th.Width, th.Height, th.Ext)
	}
	m := decodeThumb(t, th)
	if d := colourDist(meanColour(m, m.Bounds()), [4]float64{255, 0, 0, 255}); d > 6 {
		t.Errorf("thumb colour is %v, want frame 1's red", meanColour(m, m.Bounds()))
	}
	// The input is left untouched: still two frames.
	if g, err := gif.DecodeAll(bytes.NewReader(b)); err != nil || len(g.Image) != 2 {
		t.Errorf("input changed: %v", err)
	}
}

func TestAnimatedGIFFile(t *testing.T) {
	b := readTestdata(t, "anim-flowers.gif")
	if n := countGIFFrames(bytes.NewReader(b), int64(len(b)), 100); n != 3 {
		t.Errorf("countGIFFrames = %d, want 3", n)
	}
	res := mustMake(t, b, Options{})
	if res.Width != 480 || res.Height != 361 || len(res.Thumbs) != 1 || res.Thumbs[0].Height != 241 {
		t.Fatalf("got %+v", res)
	}
	first, err := gif.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	ref := referenceThumb(first, 320)
	if p := psnr(decodeThumb(t, res.Thumbs[0]), ref); p < 30 {
		t.Errorf("PSNR against the first frame %.1f dB, want >= 30", p)
	}
}

// TestGIFPartialFirstFrame: a first frame that covers part of the logical
// screen is shown on a transparent canvas of the screen's size.
func TestGIFPartialFirstFrame(t *testing.T) {
	frame := image.NewPaletted(image.Rect(100, 50, 300, 250), color.Palette{color.RGBA{0, 255, 0, 255}})
	g := &gif.GIF{Image: []*image.Paletted{frame}, Delay: []int{0}, Config: image.Config{Width: 400, Height: 300, ColorModel: frame.Palette}}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	res := mustMake(t, buf.Bytes(), Options{Widths: []int{200}})
	if len(res.Thumbs) != 1 || res.Thumbs[0].Ext != "png" || res.Thumbs[0].Height != 150 {
		t.Fatalf("got %+v", res)
	}
	m := decodeThumb(t, res.Thumbs[0])
	if c := meanColour(m, image.Rect(0, 0, 40, 150)); c[3] != 0 {
		t.Errorf("left of the frame: %v, want transparent", c)
	}
	if c := meanColour(m, image.Rect(60, 35, 140, 115)); colourDist(c, [4]float64{0, 255, 0, 255}) > 1 {
		t.Errorf("inside the frame: %v, want green", c)
	}
}

func TestWebP(t *testing.T) {
	t.Parallel()
	b := readTestdata(t, "webp-ladybird.webp")
	res := mustMake(t, b, Options{})
	if res.Format != "webp" || res.Width != 1080 || res.Height != 675 || len(res.Thumbs) != 2 {
		t.Fatalf("got %+v", res)
	}
	full := decodeFile(t, b)
	for _, th := range res.Thumbs {
		if th.Ext != "jpg" {
			t.Errorf("thumb %d is %s", th.Width, th.Ext)
		}
		if p := psnr(decodeThumb(t, th), referenceThumb(full, th.Width)); p < 30 {
			t.Errorf("thumb %d: PSNR %.1f dB", th.Width, p)
		}
	}
}

func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		w, h   int
		format string
	}{
		{"photo-aqua.jpg", readTestdata(t, "photo-aqua.jpg"), 1080, 675, "jpeg"},
		{"exif-orientation-6.jpg", readTestdata(t, "exif-orientation-6.jpg"), 675, 1080, "jpeg"},
		{"diagram-spring.png", readTestdata(t, "diagram-spring.png"), 1080, 810, "png"},
		{"anim-flowers.gif", readTestdata(t, "anim-flowers.gif"), 480, 361, "gif"},
		{"webp-ladybird.webp", readTestdata(t, "webp-ladybird.webp"), 1080, 675, "webp"},
		{"png bomb", pngWithSize(t, 100000, 100000), 100000, 100000, "png"},
		{"webp canvas bomb", webpVP8X(1<<24, 1<<24), 1 << 24, 1 << 24, "webp"},
	} {
		w, h, format, err := Probe(bytes.NewReader(tc.data), int64(len(tc.data)))
		if err != nil || w != tc.w || h != tc.h || format != tc.format {
			t.Errorf("%s: Probe = %d, %d, %q, %v; want %d, %d, %q", tc.name, w, h, format, err, tc.w, tc.h, tc.format)
		}
	}
}

// TestConcurrentMake: Make is a pure function, so concurrent calls give the
// same bytes as sequential ones (run with -race).
func TestConcurrentMake(t *testing.T) {
	t.Parallel()
	names := []string{"photo-aqua.jpg", "exif-orientation-6.jpg", "diagram-spring.png", "anim-flowers.gif", "webp-ladybird.webp"}
	want := make([]*Result, len(names))
	for i, n := range names {
		want[i] = mustMake(t, readTestdata(t, n), Options{})
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(names))
	for range 4 {
		for i, n := range names {
			b := readTestdata(t, n)
			wg.Go(func() {
				res, err := Make(bytes.NewReader(b), int64(len(b)), Options{})
				if err != nil || len(res.Thumbs) != len(want[i].Thumbs) {
					errs <- n + ": different result"
					return
				}
				for j, th := range res.Thumbs {
					if !bytes.Equal(th.Data, want[i].Thumbs[j].Data) {
						errs <- n + ": different thumbnail bytes"
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{JPEGQuality: 500, MaxFrames: -1}.withDefaults()
	if !slices.Equal(o.Widths, []int{320, 640}) || o.MaxPixels != 50_000_000 || o.JPEGQuality != 100 || o.MaxFrames != 1000 {
		t.Errorf("withDefaults = %+v", o)
	}
	w := DefaultWidths()
	w[0] = 1
	if DefaultWidths()[0] != 320 {
		t.Error("DefaultWidths shares its slice")
	}
}

func TestPNGCompression(t *testing.T) {
	res := mustMake(t, readTestdata(t, "diagram-spring.png"), Options{})
	for _, th := range res.Thumbs {
		m := decodeThumb(t, th)
		var def bytes.Buffer
		if err := png.Encode(&def, m); err != nil {
			t.Fatal(err)
		}
		ratio := float64(len(th.Data)) / float64(def.Len())
		t.Logf("%d px: BestSpeed %d bytes, DefaultCompression %d bytes (%.2fx)", th.Width, len(th.Data), def.Len(), ratio)
		if ratio > 1.5 {
			t.Errorf("BestSpeed PNG is %.2fx the default compression's size", ratio)
		}
	}
}

func TestInvalidWidthReasonMentionsWidth(t *testing.T) {
	res := mustMake(t, readTestdata(t, "webp-ladybird.webp"), Options{Widths: []int{-5}})
	if len(res.Skipped) != 1 || res.Skipped[0].Width != -5 || !strings.Contains(res.Skipped[0].Reason, "invalid") {
		t.Errorf("Skipped = %v", res.Skipped)
	}
}

// webpWithAlpha wraps the VP8 bitstream of webp-ladybird.webp in a VP8X
// container with an uncompressed ALPH chunk: fully opaque on the left
// third, fully transparent on the right third, a horizontal ramp between.
func webpWithAlpha(t *testing.T) []byte {
	src := readTestdata(t, "webp-ladybird.webp")
	i := bytes.Index(src, []byte("VP8 "))
	if i < 0 {
		t.Fatal("no VP8 chunk")
	}
	n := int(binary.LittleEndian.Uint32(src[i+4:]))
	vp8 := src[i : i+8+n+n%2]
	w, h := 1080, 675
	alph := []byte{0} // no pre-processing, no filtering, uncompressed
	for range h {
		for x := range w {
			alph = append(alph, byte(max(0, min(255, 255*(2*w/3-x)/(w/3)))))
		}
	}
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00")
	b.Write([]byte{byte(w - 1), byte((w - 1) >> 8), 0, byte(h - 1), byte((h - 1) >> 8), 0})
	b.WriteString("ALPH")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(alph)))
	b.Write(alph)
	if len(alph)%2 == 1 {
		b.WriteByte(0)
	}
	b.Write(vp8)
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// TestWebPWithAlpha: lossy WebP with an alpha channel decodes to
// image.NYCbCrA; with transparent pixels it becomes a PNG thumbnail.
func TestWebPWithAlpha(t *testing.T) {
	t.Parallel()
	b := webpWithAlpha(t)
	full := decodeFile(t, b)
	if _, ok := full.(*image.NYCbCrA); !ok {
		t.Fatalf("decodes to %T", full)
	}
	res := mustMake(t, b, Options{})
	if res.Format != "webp" || len(res.Thumbs) != 2 {
		t.Fatalf("got %+v", res)
	}
	for _, th := range res.Thumbs {
		m := decodeThumb(t, th)
		if th.Ext != "png" {
			t.Fatalf("thumb %d is %s", th.Width, th.Ext)
		}
		h := th.Height
		left, right := meanColour(m, image.Rect(0, 0, th.Width/4, h)), meanColour(m, image.Rect(th.Width*3/4, 0, th.Width, h))
		if left[3] != 255 || right[3] != 0 {
			t.Errorf("thumb %d: alpha %.1f on the left, %.1f on the right; want 255 and 0", th.Width, left[3], right[3])
		}
		p := psnr(m, referenceThumb(full, th.Width))
		t.Logf("%d px: PSNR %.1f dB", th.Width, p)
		if p < minPSNR {
			t.Errorf("thumb %d: PSNR %.1f dB", th.Width, p)
		}
	}
}
