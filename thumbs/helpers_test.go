package thumbs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// readTestdata returns the contents of testdata/name.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustMake runs Make on b and fails the test on error.
func mustMake(t testing.TB, b []byte, opts Options) *Result {
	t.Helper()
	res, err := Make(bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatalf("Make: %v", err)
	}
	return res
}

// noDecode is a decodeFunc that fails the test if it is ever called.
func noDecode(t testing.TB) decodeFunc {
	return func(io.ReaderAt, int64, string) (image.Image, error) {
		t.Helper()
		t.Fatal("the image was decoded")
		return nil, nil
	}
}

// decodeThumb decodes a thumbnail, checking that its data is in the format
// its Ext and ContentType claim and that its size matches Width and Height.
func decodeThumb(t testing.TB, th Thumb) image.Image {
	t.Helper()
	want := map[string]string{"jpg": "image/jpeg", "png": "image/png"}[th.Ext]
	if want == "" || th.ContentType != want {
		t.Fatalf("thumb %d: Ext %q with ContentType %q", th.Width, th.Ext, th.ContentType)
	}
	m, format, err := image.Decode(bytes.NewReader(th.Data))
	if err != nil {
		t.Fatalf("thumb %d: %v", th.Width, err)
	}
	if (format == "jpeg") != (th.Ext == "jpg") {
		t.Fatalf("thumb %d: Ext %q but data is %s", th.Width, th.Ext, format)
	}
	if b := m.Bounds(); b.Dx() != th.Width || b.Dy() != th.Height {
		t.Fatalf("thumb says %dx%d, decodes as %dx%d", th.Width, th.Height, b.Dx(), b.Dy())
	}
	return m
}

// decodeFile decodes a whole test image with the standard decoders.
func decodeFile(t testing.TB, b []byte) image.Image {
	t.Helper()
	m, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// encodePNG encodes m as PNG.
func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodeJPEG encodes m as JPEG at quality 90.
func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uniform returns a w x h NRGBA image of colour c.
func uniform(w, h int, c color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

// pngWithSize returns a valid small PNG whose IHDR is rewritten to declare
// w x h, with a correct CRC, so that only the pixel data gives it away.
func pngWithSize(t testing.TB, w, h uint32) []byte {
	t.Helper()
	b := encodePNG(t, uniform(16, 16, color.NRGBA{1, 2, 3, 255}))
	// Signature (8), IHDR length (4), "IHDR" (4), width, height, ..., CRC.
	if string(b[12:16]) != "IHDR" {
		t.Fatal("IHDR is not the first chunk")
	}
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// jpegWithSize returns a valid small JPEG whose SOF0 segment is rewritten
// to declare w x h.
func jpegWithSize(t testing.TB, w, h uint16) []byte {
	t.Helper()
	b := encodeJPEG(t, uniform(16, 16, color.NRGBA{200, 100, 50, 255}))
	i := bytes.Index(b, []byte{0xff, 0xc0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	// Marker (2), length (2), precision (1), height (2), width (2).
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

// webpVP8X returns an extended-format WebP file declaring a w x h canvas,
// followed by a truncated VP8 chunk.
func webpVP8X(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WEBPVP8X")
	b.Write([]byte{10, 0, 0, 0, 0, 0, 0, 0})
	le24 := func(v int) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16)} }
	b.Write(le24(w - 1))
	b.Write(le24(h - 1))
	b.WriteString("VP8 \x20\x00\x00\x00")
	b.Write(make([]byte, 0x20))
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// webpVP8 returns a simple-format lossy WebP whose key frame header
// declares w x h (at most 16383 each), with no real image data.
func webpVP8(w, h int) []byte {
	frame := []byte{
		0x10, 0x02, 0x00, // key frame, version 0, shown, first partition size
		0x9d, 0x01, 0x2a, // start code
		byte(w), byte(w >> 8 & 0x3f), byte(h), byte(h >> 8 & 0x3f),
	}
	frame = append(frame, make([]byte, 22)...)
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WEBPVP8 ")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(frame)))
	b.Write(frame)
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// gifFrames returns a GIF of n frames of w x h pixels; frame i has colour
// colours[i%len(colours)].
func gifFrames(t testing.TB, n, w, h int, colours ...color.Color) []byte {
	t.Helper()
	g := &gif.GIF{}
	for i := range n {
		pal := color.Palette{colours[i%len(colours)], color.Black}
		g.Image = append(g.Image, image.NewPaletted(image.Rect(0, 0, w, h), pal))
		g.Delay = append(g.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// toRGBA converts m to premultiplied 8-bit RGBA with its origin at (0, 0).
func toRGBA(m image.Image) *image.RGBA {
	if r, ok := m.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, m, b.Min, draw.Src)
	return out
}

// psnr returns the peak signal-to-noise ratio in dB between two images of
// the same size, over the premultiplied R, G and B channels (what is seen
// over black; alpha differences show up as colour differences).
func psnr(a, b image.Image) float64 {
	pa, pb := toRGBA(a), toRGBA(b)
	if pa.Rect != pb.Rect {
		panic(fmt.Sprintf("psnr of %v and %v", pa.Rect, pb.Rect))
	}
	var sum float64
	for y := range pa.Rect.Dy() {
		ra, rb := pa.Pix[y*pa.Stride:], pb.Pix[y*pb.Stride:]
		for i := 0; i < 4*pa.Rect.Dx(); i++ {
			if i%4 != 3 {
				d := float64(ra[i]) - float64(rb[i])
				sum += d * d
			}
		}
	}
	mse := sum / float64(3*pa.Rect.Dx()*pa.Rect.Dy())
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// meanColour returns the average premultiplied colour of m within r, in
// 8-bit units.
func meanColour(m image.Image, r image.Rectangle) [4]float64 {
	var s [4]float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(m.At(x, y)).(color.RGBA)
			s[0] += float64(c.R)
			s[1] += float64(c.G)
			s[2] += float64(c.B)
			s[3] += float64(c.A)
		}
	}
	n := float64(r.Dx() * r.Dy())
	for i := range s {
		s[i] /= n
	}
	return s
}

// colourDist is the largest per-channel difference of two mean colours.
func colourDist(a, b [4]float64) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// to420 converts m to Y'CbCr with 4:2:0 chroma, averaging 2x2 blocks of
// chroma as image/jpeg's encoder does.
func to420(m image.Image) *image.YCbCr {
	b := m.Bounds()
	out := image.NewYCbCr(image.Rect(0, 0, b.Dx(), b.Dy()), image.YCbCrSubsampleRatio420)
	for cy := 0; cy < (b.Dy()+1)/2; cy++ {
		for cx := 0; cx < (b.Dx()+1)/2; cx++ {
			var cb, cr, n int
			for y := 2 * cy; y < min(2*cy+2, b.Dy()); y++ {
				for x := 2 * cx; x < min(2*cx+2, b.Dx()); x++ {
					c := color.RGBAModel.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
					yy, u, v := color.RGBToYCbCr(c.R, c.G, c.B)
					out.Y[out.YOffset(x, y)] = yy
					cb, cr, n = cb+int(u), cr+int(v), n+1
				}
			}
			out.Cb[cy*out.CStride+cx] = uint8((cb + n/2) / n)
			out.Cr[cy*out.CStride+cx] = uint8((cr + n/2) / n)
		}
	}
	return out
}

// gifTinyFrames returns a GIF89a of n 1x1 frames, written directly: each
// frame is an image descriptor and three bytes of LZW data.
func gifTinyFrames(n int) []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a\x01\x00\x01\x00\x80\x00\x00") // 1x1 screen, 2-colour global table
	b.WriteString("\x00\x00\x00\xff\xff\xff")
	for range n {
		b.WriteString("\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00") // descriptor, no local table
		b.WriteString("\x02\x02\x44\x01\x00")                     // min code size 2: clear, 0, end
	}
	b.WriteString("\x3b")
	return b.Bytes()
}
