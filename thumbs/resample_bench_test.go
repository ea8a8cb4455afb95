package thumbs

import (
	"bytes"
	"image/jpeg"
	"testing"
)

// BenchmarkResizeAll measures the resampling alone (no decode or encode)
// of photo-aqua.jpg to 640 and 320 px.
func BenchmarkResizeAll(b *testing.B) {
	data := readTestdata(b, "photo-aqua.jpg")
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	targets := []target{{640, 400}, {320, 200}}
	b.ReportAllocs()
	for b.Loop() {
		resizeAll(m, 1, targets)
	}
}

// BenchmarkResampleH measures one horizontal pass, 1080 to 640 px wide.
func BenchmarkResampleH(b *testing.B) {
	src := newPlane(1080, 400, 1)
	for i := range src.pix {
		src.pix[i] = byte(i * 7)
	}
	dst := newPlane(640, 400, 1)
	wt := makeWeights(640, 1080, axisFor(640, 1080.0/640, 1, 1, false))
	for b.Loop() {
		resampleH(dst, src, wt)
	}
}

// BenchmarkResampleV measures one vertical pass, 675 to 400 px high.
func BenchmarkResampleV(b *testing.B) {
	src := newPlane(1080, 675, 1)
	for i := range src.pix {
		src.pix[i] = byte(i * 7)
	}
	dst := newPlane(1080, 400, 1)
	wt := makeWeights(400, 675, axisFor(400, 675.0/400, 1, 1, false))
	acc := make([]int32, 1080)
	for b.Loop() {
		resampleV(dst, src, wt, acc)
	}
}
