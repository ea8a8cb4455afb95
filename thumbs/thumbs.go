package thumbs

import (
	"fmt"
	"image"
	"io"
	"math"
	"slices"
)

// Defaults used when the corresponding Options field is zero (or negative).
const (
	DefaultMaxPixels   int64 = 50_000_000
	DefaultJPEGQuality       = 82
	DefaultMaxFrames         = 1000
)

// DefaultWidths returns the thumbnail widths used when Options.Widths is nil:
// 320 and 640. It returns a new slice on every call.
func DefaultWidths() []int { return []int{320, 640} }

// Options controls Make. The zero value selects all defaults.
type Options struct {
	Widths      []int // default 320, 640 (DefaultWidths) when nil; an empty non-nil slice asks for none
	MaxPixels   int64 // default 50_000_000; images with width*height above it are never decoded
	JPEGQuality int   // default 82; clamped to 1..100
	MaxFrames   int   // default 1000; GIFs with more frames are refused without decoding them
}

// Thumb is one encoded thumbnail.
type Thumb struct {
	Width, Height int
	Ext           string // "jpg" or "png"
	ContentType   string // "image/jpeg" or "image/png"
	Data          []byte
}

// Skip says why a requested width got no thumbnail.
type Skip struct {
	Width  int
	Reason string // e.g. "image is only 300 px wide (no upscaling)"
}

// Result is the outcome of Make.
type Result struct {
	Width, Height int    // of the original as displayed (after EXIF orientation)
	Format        string // "jpeg", "png", "gif", "webp"
	Thumbs        []Thumb
	Skipped       []Skip
	Reason        string // non-empty when no thumbnails were attempted at all, e.g. "too many pixels: 100000x100000 > 50000000"
}

// withDefaults returns o with zero (or out-of-range) fields set to the
// defaults.
func (o Options) withDefaults() Options {
	if o.Widths == nil {
		o.Widths = DefaultWidths()
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.JPEGQuality <= 0 {
		o.JPEGQuality = DefaultJPEGQuality
	}
	o.JPEGQuality = min(o.JPEGQuality, 100)
	if o.MaxFrames <= 0 {
		o.MaxFrames = DefaultMaxFrames
	}
	return o
}

// Probe reads only the header (the format's DecodeConfig plus the EXIF
// orientation for JPEG) and returns the displayed width and height and the
// format ("jpeg", "png", "gif" or "webp"). It never decodes pixels and does
// not apply any size limit: a decompression bomb is reported with its
// declared size.
func Probe(r io.ReaderAt, size int64) (width, height int, format string, err error) {
	h, err := readHeader(r, size)
	if err != nil {
		return 0, 0, "", err
	}
	w, ht := h.displayed()
	return w, ht, h.format, nil
}

// Make produces a thumbnail for every width in opts.Widths narrower than the
// image, in the order the widths are given. It checks the pixel count (and
// the GIF frame count) from the header before decoding and returns a Result
// with Reason set and a nil error when a limit is exceeded; the image is then
// never decoded. When no requested width is narrower than the image, the
// image is not decoded either. The error is for unrecognised, undecodable or
// corrupt input (including a width or height that is not positive).
func Make(r io.ReaderAt, size int64, opts Options) (*Result, error) {
	return makeThumbs(r, size, opts, decodeImage)
}

// decodeFunc decodes the whole image of the given format. Make always passes
// decodeImage; tests pass a wrapper to observe when decoding happens.
type decodeFunc func(r io.ReaderAt, size int64, format string) (image.Image, error)

// makeThumbs is Make with the decoder as a parameter. The limits are
// checked before anything else, so an over-limit image gets a Reason even
// when no width would need it.
func makeThumbs(r io.ReaderAt, size int64, opts Options, decode decodeFunc) (*Result, error) {
	opts = opts.withDefaults()
	h, err := readHeader(r, size)
	if err != nil {
		return nil, err
	}
	res := &Result{Format: h.format}
	res.Width, res.Height = h.displayed()
	if reason := h.overLimit(opts.MaxPixels); reason != "" {
		res.Reason = reason
		return res, nil
	}
	if h.format == "gif" {
		// Count one frame past the limit, and no further.
		if n := countGIFFrames(r, size, min(opts.MaxFrames, math.MaxInt-1)+1); n > opts.MaxFrames {
			res.Reason = fmt.Sprintf("too many frames: more than %d", opts.MaxFrames)
			return res, nil
		}
	}

	targets := planTargets(res, opts.Widths)
	if len(targets) == 0 {
		return res, nil
	}
	m, err := decode(r, size, h.format)
	if err != nil {
		return nil, err
	}
	if b, screen := m.Bounds(), image.Rect(0, 0, h.width, h.height); b != screen {
		if h.format != "gif" || !b.In(screen) {
			return nil, fmt.Errorf("thumbs: decoded %s has bounds %v, header said %dx%d", h.format, b, h.width, h.height)
		}
		// A GIF's first frame may cover only part of the logical screen.
		m = onCanvas(m, h.width, h.height)
	}
	thumbs, err := render(m, h.orientation, targets, opts.JPEGQuality)
	if err != nil {
		return nil, err
	}
	// Report thumbnails in the order the widths were requested.
	for _, w := range opts.Widths {
		i := slices.IndexFunc(thumbs, func(t Thumb) bool { return t.Width == w })
		if i >= 0 {
			res.Thumbs = append(res.Thumbs, thumbs[i])
			thumbs = slices.Delete(thumbs, i, i+1)
		}
	}
	return res, nil
}

// target is one thumbnail to make, in displayed (upright) dimensions.
type target struct{ w, h int }

// planTargets decides the thumbnail sizes for res (whose Width and Height
// are set), records skipped widths in res and returns the targets sorted
// from the widest to the narrowest.
func planTargets(res *Result, widths []int) []target {
	var ts []target
	seen := make(map[int]bool, len(widths))
	for _, w := range widths {
		if seen[w] {
			continue
		}
		seen[w] = true
		switch {
		case w <= 0:
			res.Skipped = append(res.Skipped, Skip{w, "invalid width"})
		case w >= res.Width:
			res.Skipped = append(res.Skipped, Skip{w, fmt.Sprintf("image is only %d px wide (no upscaling)", res.Width)})
		default:
			ts = append(ts, target{w, scaledHeight(w, res.Width, res.Height)})
		}
	}
	slices.SortFunc(ts, func(a, b target) int { return b.w - a.w })
	return ts
}

// scaledHeight is h*w/srcW rounded to the nearest integer, at least 1.
func scaledHeight(w, srcW, srcH int) int {
	th := (2*int64(w)*int64(srcH) + int64(srcW)) / (2 * int64(srcW))
	return int(max(th, 1))
}
