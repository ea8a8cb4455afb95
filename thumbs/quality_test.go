package thumbs

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"github.com/disintegration/imaging"
)

// referenceThumb is the straightforward, slow thumbnail: float Lanczos-3
// from the full decoded image.
func referenceThumb(full image.Image, w int) *image.NRGBA {
	return imaging.Resize(full, w, 0, imaging.Lanczos)
}

// Quality thresholds, from the numbers TestQuality and TestResampleQuality
// log; see the comment on TestQuality.
const (
	minPSNR         = 30.0 // dB, thumbnail (JPEG-encoded) against the reference, widths >= 320
	minPSNRSmall    = 26.0 // dB, the same for widths below 320
	maxLoss         = 1.0  // dB worse than JPEG-encoding the reference itself
	minResamplePSNR = 38.0 // dB, resampled picture before encoding against the reference
)

// TestQuality guards against speed tricks that hurt quality: every
// thumbnail (including ones derived from a larger thumbnail and ones made
// after a box pre-shrink) is compared with referenceThumb.
//
// JPEG encoding at quality 82 alone costs a lot: encoding the reference
// itself ("encode-only") gives 33-42 dB at 320 and 640 px, and down to
// 27.7 dB for the detailed photo-yellowflower at 100 px. The absolute
// thresholds sit below those figures (30 dB for the default widths, 26 dB
// for tiny ones) and catch gross errors (a wrong rotation gives 12 dB). The
// finer guard is relative: our thumbnail may be at most maxLoss dB worse
// than the encode-only figure. Measured, the loss is between -0.65 and
// +0.11 dB (negative: our Y'CbCr path skips a rounding to RGB); deriving
// 320 px from 640 px and using Lanczos-2 for the first step each change it
// by under 0.1 dB, while an over-eager box pre-shrink (reduceGap 1 instead
// of 2) costs up to 2.2 dB and fails. TestResampleQuality measures without
// the encoder's noise.
func TestQuality(t *testing.T) {
	t.Parallel()
	widths := []int{100, 160, 320, 640} // 100 and 160 exercise the box pre-shrink
	for _, name := range []string{"photo-aqua.jpg", "photo-yellowflower.jpg", "exif-orientation-6.jpg", "webp-ladybird.webp", "diagram-spring.png", "anim-flowers.gif"} {
		b := readTestdata(t, name)
		full := decodeFile(t, b)
		if name == "exif-orientation-6.jpg" {
			full = rotateCW(full)
		}
		res := mustMake(t, b, Options{Widths: widths})
		if len(res.Thumbs) == 0 {
			t.Fatalf("%s: no thumbnails", name)
		}
		for _, th := range res.Thumbs {
			ref := referenceThumb(full, th.Width)
			got := psnr(decodeThumb(t, th), ref)
			encodeOnly := got
			if th.Ext == "jpg" {
				var buf bytes.Buffer
				if err := jpeg.Encode(&buf, ref, &jpeg.Options{Quality: DefaultJPEGQuality}); err != nil {
					t.Fatal(err)
				}
				encodeOnly = psnr(decodeFile(t, buf.Bytes()), ref)
			}
			t.Logf("%-24s %3d px %s: PSNR %5.2f dB (encode-only %5.2f dB, loss %5.2f dB)", name, th.Width, th.Ext, got, encodeOnly, encodeOnly-got)
			limit := minPSNR
			if th.Width < 320 {
				limit = minPSNRSmall
			}
			if got < limit || encodeOnly-got > maxLoss {
				t.Errorf("%s %d px: PSNR %.2f dB, encode-only %.2f dB", name, th.Width, got, encodeOnly)
			}
		}
	}
}

// TestResampleQuality compares the resampled thumbnails before encoding
// with the reference, so that JPEG encoding noise does not hide resampling
// errors. Y'CbCr results are compared with the reference converted to 4:2:0
// (chroma averaged over 2x2 blocks, as the JPEG encoder would). Measured:
// 40.5-50.5 dB for the photos, over 51 dB for the GIF and the PNG; with
// reduceGap 1 the photos drop to 33.9 dB, below minResamplePSNR.
func TestResampleQuality(t *testing.T) {
	t.Parallel()
	widths := []int{100, 160, 320, 640}
	for _, name := range []string{"photo-aqua.jpg", "photo-yellowflower.jpg", "exif-orientation-6.jpg", "webp-ladybird.webp", "diagram-spring.png", "anim-flowers.gif"} {
		b := readTestdata(t, name)
		full := decodeFile(t, b)
		h, err := readHeader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		res := &Result{}
		res.Width, res.Height = h.displayed()
		targets := planTargets(res, widths)
		pics, opaque := resizeAll(full, h.orientation, targets)
		if h.orientation == 6 {
			full = rotateCW(full)
		}
		for i, p := range pics {
			var ref image.Image = referenceThumb(full, targets[i].w)
			if p.kind == kindYCbCr {
				ref = to420(ref) // compare like with like: chroma is subsampled
			}
			got := psnr(p.image(opaque), ref)
			t.Logf("%-24s %3d px: PSNR %5.2f dB before encoding", name, targets[i].w, got)
			if got < minResamplePSNR {
				t.Errorf("%s %d px: PSNR %.2f dB before encoding", name, targets[i].w, got)
			}
		}
	}
}
