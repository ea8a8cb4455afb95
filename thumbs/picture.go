package thumbs

import (
	"image"
	"image/color"

	"github.com/disintegration/imaging"
)

// pictureKind says how a picture's planes are to be read.
type pictureKind int

const (
	kindYCbCr pictureKind = iota // planes Y, Cb, Cr; chroma subsampled by hs x vs
	kindGray                     // one 1-channel plane
	kindRGBA                     // one 4-channel plane, premultiplied alpha
)

// picture is an image in the form the resampler works on.
type picture struct {
	kind   pictureKind
	w, h   int
	planes [3]plane
	hs, vs int // chroma subsampling factors (kindYCbCr only)
}

// subsampling returns the horizontal and vertical chroma subsampling
// factors of r.
func subsampling(r image.YCbCrSubsampleRatio) (hs, vs int, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 1, 1, true
	case image.YCbCrSubsampleRatio422:
		return 2, 1, true
	case image.YCbCrSubsampleRatio420:
		return 2, 2, true
	case image.YCbCrSubsampleRatio440:
		return 1, 2, true
	case image.YCbCrSubsampleRatio411:
		return 4, 1, true
	case image.YCbCrSubsampleRatio410:
		return 4, 2, true
	}
	return 0, 0, false
}

// yccPicture wraps m's planes without copying; ok is false for layouts the
// fast path does not handle.
func yccPicture(m *image.YCbCr) (p picture, ok bool) {
	hs, vs, ok := subsampling(m.SubsampleRatio)
	if !ok || m.Rect.Min != (image.Point{}) {
		return picture{}, false
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch := (w+hs-1)/hs, (h+vs-1)/vs
	if len(m.Y) < (h-1)*m.YStride+w || len(m.Cb) < (ch-1)*m.CStride+cw || len(m.Cr) < (ch-1)*m.CStride+cw {
		return picture{}, false
	}
	p = picture{kind: kindYCbCr, w: w, h: h, hs: hs, vs: vs}
	p.planes[0] = plane{pix: m.Y, w: w, h: h, stride: m.YStride, c: 1}
	p.planes[1] = plane{pix: m.Cb, w: cw, h: ch, stride: m.CStride, c: 1}
	p.planes[2] = plane{pix: m.Cr, w: cw, h: ch, stride: m.CStride, c: 1}
	return p, true
}

// newYCbCr420 allocates a w x h picture with 4:2:0 chroma.
func newYCbCr420(w, h int) picture {
	cw, ch := (w+1)/2, (h+1)/2
	buf := make([]byte, w*h+2*cw*ch)
	p := picture{kind: kindYCbCr, w: w, h: h, hs: 2, vs: 2}
	p.planes[0] = plane{pix: buf[:w*h], w: w, h: h, stride: w, c: 1}
	p.planes[1] = plane{pix: buf[w*h : w*h+cw*ch], w: cw, h: ch, stride: cw, c: 1}
	p.planes[2] = plane{pix: buf[w*h+cw*ch:], w: cw, h: ch, stride: cw, c: 1}
	return p
}

// toPicture converts a decoded image (whose bounds start at the origin)
// into a picture, copying only when the pixel layout requires it, and
// reports whether every pixel is fully opaque.
func toPicture(m image.Image) (p picture, opaque bool) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := m.(type) {
	case *image.YCbCr:
		if p, ok := yccPicture(m); ok {
			return p, true
		}
	case *image.NYCbCrA:
		if m.Opaque() {
			if p, ok := yccPicture(&m.YCbCr); ok {
				return p, true
			}
		}
	case *image.Gray:
		if b.Min == (image.Point{}) {
			return picture{kind: kindGray, w: w, h: h, planes: [3]plane{{pix: m.Pix, w: w, h: h, stride: m.Stride, c: 1}}}, true
		}
	case *image.RGBA:
		if b.Min == (image.Point{}) {
			return rgbaPicture(m.Pix, w, h, m.Stride), m.Opaque()
		}
	case *image.NRGBA:
		if b.Min == (image.Point{}) {
			return premultiply(m)
		}
	case *image.Paletted:
		if b.Min == (image.Point{}) {
			return expandPalette(m)
		}
	}
	// Every other layout (CMYK JPEG, 16-bit PNG, Gray16, offset bounds):
	// imaging converts it to NRGBA, in parallel, then it is premultiplied.
	return premultiply(imaging.Clone(m))
}

// rgbaPicture wraps premultiplied RGBA pixels without copying.
func rgbaPicture(pix []byte, w, h, stride int) picture {
	return picture{kind: kindRGBA, w: w, h: h, planes: [3]plane{{pix: pix, w: w, h: h, stride: stride, c: 4}}}
}

// premultiply converts non-premultiplied RGBA to premultiplied.
func premultiply(m *image.NRGBA) (picture, bool) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dst := newPlane(w, h, 4)
	all := byte(255)
	for y := range h {
		in := m.Pix[y*m.Stride : y*m.Stride+w*4]
		out := dst.row(y)
		for i := 0; i+4 <= len(in) && i+4 <= len(out); i += 4 {
			a := in[i+3]
			all &= a
			switch a {
			case 255:
				copy(out[i:i+4], in[i:i+4])
			case 0:
				out[i], out[i+1], out[i+2], out[i+3] = 0, 0, 0, 0
			default:
				out[i], out[i+1], out[i+2], out[i+3] = mul8(in[i], a), mul8(in[i+1], a), mul8(in[i+2], a), a
			}
		}
	}
	return picture{kind: kindRGBA, w: w, h: h, planes: [3]plane{dst}}, all == 255
}

// mul8 returns round(c*a/255).
func mul8(c, a byte) byte {
	v := uint32(c)*uint32(a) + 128
	return byte((v + v>>8) >> 8)
}

// expandPalette converts a paletted image to premultiplied RGBA. Indices
// beyond the palette are opaque black, as image/png treats them.
func expandPalette(m *image.Paletted) (picture, bool) {
	var lut [256][4]byte
	for i := range lut {
		c := color.Color(color.Black)
		if i < len(m.Palette) && m.Palette[i] != nil {
			c = m.Palette[i]
		}
		rgba := color.RGBAModel.Convert(c).(color.RGBA)
		lut[i] = [4]byte{rgba.R, rgba.G, rgba.B, rgba.A}
	}
	var used [256]bool
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dst := newPlane(w, h, 4)
	for y := range h {
		in := m.Pix[y*m.Stride : y*m.Stride+w]
		out := dst.row(y)
		for x, idx := range in {
			used[idx] = true
			copy(out[x*4:x*4+4], lut[idx][:])
		}
	}
	opaque := true
	for i, u := range used {
		if u && lut[i][3] != 255 {
			opaque = false
		}
	}
	return picture{kind: kindRGBA, w: w, h: h, planes: [3]plane{dst}}, opaque
}
