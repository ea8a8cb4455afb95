package thumbs

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"github.com/disintegration/imaging"
)

// benchImages returns the test images the benchmarks run on.
func benchImages() []string {
	return []string{"photo-aqua.jpg", "photo-yellowflower.jpg", "exif-orientation-6.jpg", "webp-ladybird.webp", "diagram-spring.png", "anim-flowers.gif"}
}

// BenchmarkMake measures one Make call (default options: 320 and 640 px)
// per test image, decode and encode included.
func BenchmarkMake(b *testing.B) {
	for _, name := range benchImages() {
		data := readTestdata(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				res, err := Make(bytes.NewReader(data), int64(len(data)), Options{})
				if err != nil || len(res.Thumbs) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNaive is the straightforward way, for comparison with
// BenchmarkMake: decode with imaging (auto-orientation), imaging.Resize
// with Lanczos from the original for each width, encode as JPEG.
func BenchmarkNaive(b *testing.B) {
	for _, name := range benchImages()[:4] {
		data := readTestdata(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
				if err != nil {
					b.Fatal(err)
				}
				for _, w := range DefaultWidths() {
					t := imaging.Resize(m, w, 0, imaging.Lanczos)
					var buf bytes.Buffer
					rgba := &image.RGBA{Pix: t.Pix, Stride: t.Stride, Rect: t.Rect}
					if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: DefaultJPEGQuality}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
