package thumbs

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
)

const (
	// deriveMinScale: a thumbnail is resampled from an earlier, larger
	// thumbnail instead of the original when that one is at least this many
	// times bigger in both directions. Lanczos from ~2x oversampled data is
	// within 0.1 dB of resampling the original (see TestQuality).
	deriveMinScale = 1.9
	// reduceGap: when the scale factor is at least 2*reduceGap, the source
	// is first box-filtered by the integer factor floor(scale/reduceGap),
	// leaving at least reduceGap for the Lanczos step.
	reduceGap = 2.0
)

// render makes the thumbnails for targets (sorted widest first, in
// displayed dimensions) from the decoded image m stored with the given EXIF
// orientation.
func render(m image.Image, orientation int, targets []target, quality int) ([]Thumb, error) {
	pics, opaque := resizeAll(m, orientation, targets)
	thumbs := make([]Thumb, 0, len(pics))
	for _, p := range pics {
		th, err := encode(p, opaque, quality)
		if err != nil {
			return nil, err
		}
		thumbs = append(thumbs, th)
	}
	return thumbs, nil
}

// resizeAll returns the upright resampled pictures for targets and whether
// the image is opaque.
func resizeAll(m image.Image, orientation int, targets []target) ([]picture, bool) {
	src, opaque := toPicture(m)
	tf := orientationTransform(orientation)
	var sc scratch
	made := make([]picture, 0, len(targets)) // mirrored as tf says, not transposed
	out := make([]picture, 0, len(targets))
	for _, t := range targets {
		w, h := t.w, t.h
		if tf.transpose {
			w, h = h, w
		}
		base, flipX, flipY := src, tf.flipX, tf.flipY
		for _, p := range made {
			if float64(p.w) >= deriveMinScale*float64(w) && float64(p.h) >= deriveMinScale*float64(h) {
				// made is sorted widest first: the last fit is the
				// smallest. It is mirrored already.
				base, flipX, flipY = p, false, false
			}
		}
		p := resizePicture(base, w, h, flipX, flipY, &sc)
		made = append(made, p)
		if tf.transpose {
			p = transposePicture(p)
		}
		out = append(out, p)
	}
	return out, opaque
}

// scratch holds buffers reused between resampling passes of one Make call.
type scratch struct {
	tmp []byte
	acc []int32
	wts []cachedWeights
}

// cachedWeights is one entry of scratch's weights cache.
type cachedWeights struct {
	dstN, srcN int
	ax         axis
	w          weights
}

// weights returns makeWeights(dstN, srcN, ax), remembering the last few
// (the Cb and Cr planes use the same ones).
func (s *scratch) weights(dstN, srcN int, ax axis) weights {
	for _, c := range s.wts {
		if c.dstN == dstN && c.srcN == srcN && c.ax == ax {
			return c.w
		}
	}
	w := makeWeights(dstN, srcN, ax)
	if len(s.wts) == 4 {
		s.wts = s.wts[1:]
	}
	s.wts = append(s.wts, cachedWeights{dstN, srcN, ax, w})
	return w
}

// plane returns a w x h x c plane backed by the reusable buffer.
func (s *scratch) plane(w, h, c int) plane {
	if n := w * h * c; cap(s.tmp) < n {
		s.tmp = make([]byte, n)
	}
	return plane{pix: s.tmp[:w*h*c], w: w, h: h, stride: w * c, c: c}
}

// accumulators returns n reusable accumulators.
func (s *scratch) accumulators(n int) []int32 {
	if cap(s.acc) < n {
		s.acc = make([]int32, n)
	}
	return s.acc[:n]
}

// resizePicture resamples src to w x h, mirrored as asked. Y'CbCr pictures
// come out with 4:2:0 chroma.
func resizePicture(src picture, w, h int, flipX, flipY bool, sc *scratch) picture {
	sx, sy := float64(src.w)/float64(w), float64(src.h)/float64(h)
	if src.kind != kindYCbCr {
		dst := newPlane(w, h, src.planes[0].c)
		resample(dst, src.planes[0], axisFor(w, sx, 1, 1, flipX), axisFor(h, sy, 1, 1, flipY), sc)
		return picture{kind: src.kind, w: w, h: h, planes: [3]plane{dst}}
	}
	dst := newYCbCr420(w, h)
	resample(dst.planes[0], src.planes[0], axisFor(w, sx, 1, 1, flipX), axisFor(h, sy, 1, 1, flipY), sc)
	ax, ay := axisFor(w, sx, src.hs, 2, flipX), axisFor(h, sy, src.vs, 2, flipY)
	resample(dst.planes[1], src.planes[1], ax, ay, sc)
	resample(dst.planes[2], src.planes[2], ax, ay, sc)
	return dst
}

// resample fills dst from src along the axes ax and ay.
func resample(dst, src plane, ax, ay axis, sc *scratch) {
	if k := int(min(math.Abs(ax.d), math.Abs(ay.d)) / reduceGap); k >= 2 {
		src = boxReduce(src, k)
		ax, ay = ax.shrunk(k), ay.shrunk(k)
	}
	// Vertical first: its row-wise inner loop is the cheaper one, so it
	// gets the larger amount of data.
	tmp := sc.plane(src.w, dst.h, src.c)
	resampleV(tmp, src, sc.weights(dst.h, src.h, ay), sc.accumulators(src.w*src.c))
	resampleH(dst, tmp, sc.weights(dst.w, src.w, ax))
}

// image returns p as an image.Image: Y'CbCr, grey, RGBA when opaque or
// else non-premultiplied NRGBA (which is what PNG stores).
func (p picture) image(opaque bool) image.Image {
	r := image.Rect(0, 0, p.w, p.h)
	switch {
	case p.kind == kindYCbCr:
		y, c := p.planes[0], p.planes[1]
		return &image.YCbCr{Y: y.pix, Cb: c.pix, Cr: p.planes[2].pix, YStride: y.stride, CStride: c.stride,
			SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: r}
	case p.kind == kindGray:
		return &image.Gray{Pix: p.planes[0].pix, Stride: p.planes[0].stride, Rect: r}
	case opaque:
		return &image.RGBA{Pix: p.planes[0].pix, Stride: p.planes[0].stride, Rect: r}
	}
	return unpremultiply(p.planes[0])
}

// encode encodes a thumbnail: JPEG when the source is opaque, PNG otherwise.
func encode(p picture, opaque bool, quality int) (Thumb, error) {
	m := p.image(opaque)
	var buf bytes.Buffer
	if _, ok := m.(*image.NRGBA); !ok {
		buf.Grow(p.w * p.h / 4)
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
			return Thumb{}, fmt.Errorf("thumbs: encoding JPEG: %w", err)
		}
		return Thumb{Width: p.w, Height: p.h, Ext: "jpg", ContentType: "image/jpeg", Data: buf.Bytes()}, nil
	}
	// BestSpeed: for the 640 px thumbnail of diagram-spring.png it takes
	// about a third of the default level's time (7 ms against 20 ms) for a
	// file 30% larger (37 KB against 28 KB; TestPNGCompression logs the
	// sizes and fails beyond 1.5x).
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	buf.Grow(p.w * p.h)
	if err := enc.Encode(&buf, m); err != nil {
		return Thumb{}, fmt.Errorf("thumbs: encoding PNG: %w", err)
	}
	return Thumb{Width: p.w, Height: p.h, Ext: "png", ContentType: "image/png", Data: buf.Bytes()}, nil
}

// unpremultiply converts a premultiplied RGBA plane to an image.NRGBA.
func unpremultiply(p plane) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, p.w, p.h))
	for y := range p.h {
		in, out := p.row(y), m.Pix[y*m.Stride:y*m.Stride+p.w*4]
		for i := 0; i+4 <= len(in) && i+4 <= len(out); i += 4 {
			switch a := uint32(in[i+3]); a {
			case 0:
			case 255:
				copy(out[i:i+4], in[i:i+4])
			default:
				for c := range 3 {
					out[i+c] = byte(min((uint32(in[i+c])*255+a/2)/a, 255))
				}
				out[i+3] = byte(a)
			}
		}
	}
	return m
}
