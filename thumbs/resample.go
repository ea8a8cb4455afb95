package thumbs

import "math"

// plane is an 8-bit image with c interleaved channels (1 for a Y'CbCr or
// grey plane, 4 for premultiplied RGBA).
type plane struct {
	pix    []byte
	w, h   int
	stride int // bytes per row
	c      int // bytes per pixel
}

// newPlane allocates a w x h plane of c channels.
func newPlane(w, h, c int) plane {
	return plane{pix: make([]byte, w*h*c), w: w, h: h, stride: w * c, c: c}
}

// row returns the w*c bytes of row y.
func (p plane) row(y int) []byte {
	return p.pix[y*p.stride : y*p.stride+p.w*p.c]
}

// weightBits is the fixed-point precision of the filter weights. The
// largest possible accumulator, 255 * sum(|w|) * 2^weightBits with sum(|w|)
// below 1.3 for Lanczos, stays far below 2^31.
const weightBits = 14

// weights holds a resampling filter for one axis: output i is the sum over
// t < n of w[i*n+t] * src[start[i]+t], in fixed point.
type weights struct {
	start []int
	w     []int32
	n     int
}

// lanczos is the Lanczos kernel with 2 or 3 lobes.
func lanczos(x float64, lobes int) float64 {
	x = math.Abs(x)
	if x >= float64(lobes) {
		return 0
	}
	if x < 1e-9 {
		return 1
	}
	px := math.Pi * x
	if lobes == 2 {
		// sin(px) = 2 sin(px/2) cos(px/2)
		s, c := math.Sincos(px / 2)
		return 4 * s * s * c / (px * px)
	}
	// sin(px) from sin(px/3) by the triple-angle formula: one sine per tap.
	s := math.Sin(px / 3)
	return 3 * s * s * (3 - 4*s*s) / (px * px)
}

// lobesFor chooses the filter for a reduction by scale. Reductions by less
// than 2 (the largest thumbnail made straight from the original) use
// Lanczos-2, which has two thirds of Lanczos-3's taps and is within 0.1 dB
// of it there; bigger reductions (after a box pre-shrink, or from a larger
// thumbnail) use Lanczos-3, whose third lobe is worth about 0.4 dB at 2x
// (measured with TestResampleQuality).
func lobesFor(scale float64) int {
	if scale < 2 {
		return 2
	}
	return 3
}

// axis maps output samples onto source coordinates: output sample i is
// centred on source coordinate a + i*d. A negative d mirrors the output.
type axis struct{ a, d float64 }

// axisFor returns the axis of a plane that samples a full-resolution
// dimension of dstN pixels, reduced by scale from the source, where the
// source plane is subsampled by subIn and the output plane by subOut (1 for
// luma and RGBA, 2 or more for chroma), mirrored if flip. Chroma samples
// are centred on their block of full-resolution pixels, as in JPEG.
func axisFor(dstN int, scale float64, subIn, subOut int, flip bool) axis {
	d := float64(subOut) * scale / float64(subIn)
	if flip {
		return axis{a: (float64(dstN)-0.5*float64(subOut))*scale/float64(subIn) - 0.5, d: -d}
	}
	return axis{a: d/2 - 0.5, d: d}
}

// shrunk returns the axis for the source after a box reduction by k.
func (ax axis) shrunk(k int) axis {
	return axis{a: (ax.a+0.5)/float64(k) - 0.5, d: ax.d / float64(k)}
}

// makeWeights computes the weights that map srcN samples onto dstN along
// ax. The kernel is widened by the scale |ax.d| when shrinking. Taps outside
// the source are dropped and the rest renormalised, as imaging.Resize does;
// so are taps where the kernel is zero, so that every window is as short as
// possible.
func makeWeights(dstN, srcN int, ax axis) weights {
	scale := math.Abs(ax.d)
	fscale := max(scale, 1)
	lobes := lobesFor(scale)
	support := fscale * float64(lobes)
	// The kernel is non-zero strictly inside (fu-support, fu+support).
	window := func(i int) (fu float64, begin, end int) {
		fu = ax.a + float64(i)*ax.d
		begin = max(int(math.Floor(fu-support))+1, 0)
		end = min(int(math.Ceil(fu+support))-1, srcN-1)
		if begin > end { // only for a mapping that does not fit srcN
			begin = min(max(int(math.Round(fu)), 0), srcN-1)
			end = begin
		}
		return fu, begin, end
	}
	n := 1
	for i := range dstN {
		_, begin, end := window(i)
		n = max(n, end-begin+1)
	}
	wt := weights{start: make([]int, dstN), w: make([]int32, dstN*n), n: n}
	buf := make([]float64, n)
	for i := range dstN {
		fu, begin, end := window(i)
		s := min(begin, srcN-n)
		wt.start[i] = s
		clear(buf)
		sum := 0.0
		for u := begin; u <= end; u++ {
			k := lanczos((float64(u)-fu)/fscale, lobes)
			buf[u-s] = k
			sum += k
		}
		if sum < 1e-3 {
			// Cannot happen for the axes axisFor makes, whose centres lie
			// within half a sample of the source; guard the fixed-point
			// range anyway.
			clear(buf)
			buf[min(max(int(math.Round(fu)), begin), end)-s], sum = 1, 1
		}
		// Quantise, then give the rounding residue to the largest weight so
		// that the weights sum to exactly 1: flat areas stay exact.
		q := wt.w[i*n : i*n+n]
		total, big := int32(0), 0
		for t, k := range buf {
			q[t] = int32(math.Round(k / sum * (1 << weightBits)))
			total += q[t]
			if q[t] > q[big] {
				big = t
			}
		}
		q[big] += 1<<weightBits - total
	}
	return wt
}

// clamp8 converts a fixed-point accumulator to a byte, with rounding.
func clamp8(acc int32) byte {
	v := (acc + 1<<(weightBits-1)) >> weightBits
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return byte(v)
}

// resampleV filters src vertically into dst, which has src's width.
// acc is scratch space of at least src.w*src.c elements.
func resampleV(dst, src plane, wt weights, acc []int32) {
	acc = acc[:src.w*src.c]
	for y := range dst.h {
		clear(acc)
		ws := wt.w[y*wt.n : y*wt.n+wt.n]
		s := wt.start[y]
		t := 0
		// Four source rows per sweep over acc: a quarter of the
		// accumulator traffic.
		for ; t+4 <= len(ws); t += 4 {
			w0, w1, w2, w3 := ws[t], ws[t+1], ws[t+2], ws[t+3]
			r0 := src.row(s + t)[:len(acc)]
			r1 := src.row(s + t + 1)[:len(acc)]
			r2 := src.row(s + t + 2)[:len(acc)]
			r3 := src.row(s + t + 3)[:len(acc)]
			for x := range acc {
				acc[x] += int32(r0[x])*w0 + int32(r1[x])*w1 + int32(r2[x])*w2 + int32(r3[x])*w3
			}
		}
		for ; t < len(ws); t++ {
			w := ws[t]
			r := src.row(s + t)[:len(acc)]
			for x := range acc {
				acc[x] += int32(r[x]) * w
			}
		}
		out := dst.row(y)[:len(acc)]
		for x, a := range acc {
			out[x] = clamp8(a)
		}
	}
}

// resampleH filters src horizontally into dst, which has src's height.
func resampleH(dst, src plane, wt weights) {
	for y := range dst.h {
		if src.c == 1 {
			filterRow1(dst.row(y), src.row(y), wt.start, wt.w, wt.n)
		} else {
			filterRow4(dst.row(y), src.row(y), wt.start, wt.w, wt.n)
		}
	}
}

// filterRow1 filters one row of 1-channel pixels.
func filterRow1(out, in []byte, start []int, w []int32, n int) {
	start = start[:len(out)]
	for x, s0 := range start {
		ws := w[x*n : x*n+n]
		s := in[s0 : s0+n]
		s = s[:len(ws)]
		var a int32
		for t, k := range ws {
			a += int32(s[t]) * k
		}
		out[x] = clamp8(a)
	}
}

// filterRow4 filters one row of 4-channel pixels.
func filterRow4(out, in []byte, start []int, w []int32, n int) {
	start = start[:len(out)/4]
	for x, s0 := range start {
		ws := w[:n]
		w = w[n:]
		s := in[s0*4 : (s0+n)*4]
		var r, g, b, a int32
		for t, k := range ws {
			p := s[t*4 : t*4+4 : t*4+4]
			r += int32(p[0]) * k
			g += int32(p[1]) * k
			b += int32(p[2]) * k
			a += int32(p[3]) * k
		}
		o := out[x*4 : x*4+4 : x*4+4]
		o[0], o[1], o[2], o[3] = clamp8(r), clamp8(g), clamp8(b), clamp8(a)
	}
}

// boxReduce shrinks p by the integer factor k in both directions,
// averaging k x k blocks (the last row and column of blocks may be
// partial).
func boxReduce(p plane, k int) plane {
	dw, dh := (p.w+k-1)/k, (p.h+k-1)/k
	dst := newPlane(dw, dh, p.c)
	sums := make([]uint32, p.w*p.c)
	for oy := range dh {
		clear(sums)
		y0, y1 := oy*k, min(oy*k+k, p.h)
		for y := y0; y < y1; y++ {
			row := p.row(y)
			row = row[:len(sums)]
			for x, v := range row {
				sums[x] += uint32(v)
			}
		}
		out := dst.row(oy)
		for ox := range dw {
			x0, x1 := ox*k, min(ox*k+k, p.w)
			// Divide by the pixel count with a 32.32 fixed-point reciprocal.
			count := uint64((x1 - x0) * (y1 - y0))
			inv := (1<<32 + count/2) / count
			for ch := range p.c {
				var s uint64
				for x := x0; x < x1; x++ {
					s += uint64(sums[x*p.c+ch])
				}
				out[ox*p.c+ch] = byte((s*inv + 1<<31) >> 32)
			}
		}
	}
	return dst
}
