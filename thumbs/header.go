package thumbs

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

// header is what readHeader learns without decoding pixels.
type header struct {
	format        string // "jpeg", "png", "gif" or "webp"
	width, height int    // as stored
	orientation   int    // EXIF orientation 1..8 (always 1 except for JPEG)
}

// displayed returns the upright dimensions.
func (h header) displayed() (w, ht int) {
	if h.orientation >= 5 {
		return h.height, h.width
	}
	return h.width, h.height
}

// overLimit returns a non-empty reason when the image has more than max
// pixels. It assumes positive dimensions and cannot overflow.
func (h header) overLimit(max int64) string {
	if int64(h.width) > max/int64(h.height) {
		w, ht := h.displayed()
		return fmt.Sprintf("too many pixels: %dx%d > %d", w, ht, max)
	}
	return ""
}

// sniff recognises the format from the first bytes of the file.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

// readHeader identifies the format and reads the dimensions with the
// format's DecodeConfig (and the JPEG EXIF orientation). It rejects images
// whose width or height is not positive.
func readHeader(r io.ReaderAt, size int64) (header, error) {
	var buf [30]byte
	n, err := r.ReadAt(buf[:min(int64(len(buf)), max(size, 0))], 0)
	if err != nil && err != io.EOF {
		return header{}, fmt.Errorf("thumbs: reading header: %w", err)
	}
	h := header{format: sniff(buf[:n]), orientation: 1}
	if h.format == "" {
		return header{}, errors.New("thumbs: unrecognised image format (want JPEG, PNG, GIF or WebP)")
	}
	if w, ht, ok := vp8xCanvas(buf[:n]); ok && int64(w)*int64(ht) > 1<<31-1 {
		// x/image/webp refuses canvases this big in DecodeConfig; report
		// the declared size so that Make gives a "too many pixels" reason.
		h.width, h.height = w, ht
		return h, nil
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 4096)
	var cfg image.Config
	switch h.format {
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(br)
	case "png":
		cfg, err = png.DecodeConfig(br)
	case "gif":
		cfg, err = gif.DecodeConfig(br)
	case "webp":
		cfg, err = webp.DecodeConfig(br)
	}
	if err != nil {
		return header{}, fmt.Errorf("thumbs: %s header: %w", h.format, err)
	}
	h.width, h.height = cfg.Width, cfg.Height
	if h.width <= 0 || h.height <= 0 {
		return header{}, fmt.Errorf("thumbs: %s has invalid dimensions %dx%d", h.format, h.width, h.height)
	}
	if h.format == "jpeg" {
		h.orientation = jpegOrientation(r, size)
	}
	return h, nil
}

// vp8xCanvas returns the canvas size of an extended-format WebP file from
// its first 30 bytes.
func vp8xCanvas(b []byte) (w, h int, ok bool) {
	if len(b) < 30 || sniff(b) != "webp" || string(b[12:16]) != "VP8X" {
		return 0, 0, false
	}
	le24 := func(p []byte) int { return int(p[0]) | int(p[1])<<8 | int(p[2])<<16 }
	if binary.LittleEndian.Uint32(b[16:20]) < 10 {
		return 0, 0, false
	}
	return le24(b[24:27]) + 1, le24(b[27:30]) + 1, true
}

// decodeImage decodes the first (or only) frame of the image. Panics in
// the decoders are reported as errors.
func decodeImage(r io.ReaderAt, size int64, format string) (m image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("thumbs: %s decoder panicked: %v", format, p)
		}
	}()
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 16<<10)
	switch format {
	case "jpeg":
		m, err = jpeg.Decode(br)
	case "png":
		m, err = png.Decode(br)
	case "gif":
		m, err = gif.Decode(br) // the first frame only
	case "webp":
		m, err = webp.Decode(br)
	default:
		err = fmt.Errorf("unsupported format %q", format)
	}
	if err != nil {
		return nil, fmt.Errorf("thumbs: decoding %s: %w", format, err)
	}
	return m, nil
}

// onCanvas draws m (a GIF frame that covers only part of the logical
// screen) onto a transparent w x h canvas, as browsers show it.
func onCanvas(m image.Image, w, h int) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, m.Bounds(), m, m.Bounds().Min, draw.Src)
	return dst
}
