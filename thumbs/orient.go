package thumbs

// transform is an EXIF orientation decomposed into mirroring the stored
// image (flipX, flipY) followed by transposing it (swapping x and y).
// With W and H the stored size, output pixel (x, y) of orientation
//
//	1 (normal)                   is stored pixel (x, y)
//	2 (mirror horizontal)        (W-1-x, y)
//	3 (rotate 180)               (W-1-x, H-1-y)
//	4 (mirror vertical)          (x, H-1-y)
//	5 (transpose)                (y, x)
//	6 (rotate 90 clockwise)      (y, H-1-x)
//	7 (transverse)               (W-1-y, H-1-x)
//	8 (rotate 90 anticlockwise)  (W-1-y, x)
//
// The flips are folded into the resampling weights, which keeps the
// subsampled chroma correctly sited when a thumbnail's width or height is
// odd (mirroring a 4:2:0 plane would shift it by one pixel); the transpose
// is exact for 4:2:0 planes and is done on the finished thumbnail.
type transform struct {
	flipX, flipY, transpose bool
}

// orientationTransform returns the transform of EXIF orientation o; values
// outside 1..8 mean no transform.
func orientationTransform(o int) transform {
	switch o {
	case 2:
		return transform{flipX: true}
	case 3:
		return transform{flipX: true, flipY: true}
	case 4:
		return transform{flipY: true}
	case 5:
		return transform{transpose: true}
	case 6:
		return transform{flipY: true, transpose: true}
	case 7:
		return transform{flipX: true, flipY: true, transpose: true}
	case 8:
		return transform{flipX: true, transpose: true}
	}
	return transform{}
}

// transposePlane returns p with x and y swapped.
func transposePlane(p plane) plane {
	dst := newPlane(p.h, p.w, p.c)
	c := p.c
	// Work in tiles so that both the reads and the writes stay in cache.
	const tile = 32
	for y0 := 0; y0 < p.h; y0 += tile {
		for x0 := 0; x0 < p.w; x0 += tile {
			x1 := min(x0+tile, p.w)
			for y := y0; y < min(y0+tile, p.h); y++ {
				in := p.row(y)[x0*c : x1*c]
				if c == 1 {
					for i, v := range in {
						dst.pix[(x0+i)*dst.stride+y] = v
					}
					continue
				}
				for i := 0; i+c <= len(in); i += c {
					o := (x0+i/c)*dst.stride + y*c
					copy(dst.pix[o:o+c], in[i:i+c])
				}
			}
		}
	}
	return dst
}

// transposePicture transposes every plane of p.
func transposePicture(p picture) picture {
	n := 1
	if p.kind == kindYCbCr {
		n = 3
	}
	for i := range n {
		p.planes[i] = transposePlane(p.planes[i])
	}
	p.w, p.h = p.h, p.w
	return p
}
