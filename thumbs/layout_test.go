package thumbs

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// TestOtherPixelLayouts covers images the fast paths do not handle (here a
// 16-bit PNG, decoded as *image.RGBA64), which go through imaging.Clone.
func TestOtherPixelLayouts(t *testing.T) {
	src := image.NewRGBA64(image.Rect(0, 0, 800, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 800; x++ {
			src.SetRGBA64(x, y, color.RGBA64{R: 0xffff, G: uint16(x * 80), B: 0x1000, A: 0xffff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, src); err != nil {
		t.Fatal(err)
	}
	if m, _ := png.Decode(bytes.NewReader(b.Bytes())); m.ColorModel() != color.RGBA64Model {
		t.Fatalf("test image decodes as %T, not a 16-bit layout", m)
	}
	res, err := Make(bytes.NewReader(b.Bytes()), int64(b.Len()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Thumbs) != 2 || res.Thumbs[0].Width != 320 || res.Thumbs[0].Height != 160 || res.Thumbs[0].Ext != "jpg" {
		t.Fatalf("thumbs %+v", res.Thumbs)
	}
	th, _, err := image.Decode(bytes.NewReader(res.Thumbs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	r, _, _, _ := th.At(10, 80).RGBA()
	if r < 0xe000 {
		t.Errorf("red channel lost in conversion: %#x", r)
	}
}
