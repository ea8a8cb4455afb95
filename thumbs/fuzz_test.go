package thumbs

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"testing"

	"golang.org/x/image/webp"
)

// Limits for FuzzMake: small, so that the fuzzer can reach them.
const (
	fuzzMaxPixels = 1 << 20
	fuzzMaxFrames = 16
)

// FuzzMake feeds arbitrary bytes to Make. It checks that Make does not
// panic, that it decodes only images whose header (read independently with
// the format's DecodeConfig) is within the pixel limit and, for GIF, the frame
// limit, and that whatever it returns is consistent. (The header check uses
// the format's own DecodeConfig: image.DecodeConfig sniffs WebP more
// narrowly than x/image/webp parses it.) The seed corpus is in
// testdata/fuzz/FuzzMake.
func FuzzMake(f *testing.F) {
	f.Add(gifTinyFrames(fuzzMaxFrames + 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Widths: []int{64, 1, 16}, MaxPixels: fuzzMaxPixels, MaxFrames: fuzzMaxFrames}
		decoded := false
		spy := func(r io.ReaderAt, size int64, format string) (image.Image, error) {
			decoded = true
			decodeConfig := map[string]func(io.Reader) (image.Config, error){
				"jpeg": jpeg.DecodeConfig, "png": png.DecodeConfig, "gif": gif.DecodeConfig, "webp": webp.DecodeConfig,
			}[format]
			if decodeConfig == nil {
				t.Fatalf("decoding unknown format %q", format)
			}
			cfg, err := decodeConfig(io.NewSectionReader(r, 0, size))
			if err != nil {
				t.Fatalf("decoding %s with a bad header: %v", format, err)
			}
			if int64(cfg.Width)*int64(cfg.Height) > fuzzMaxPixels {
				t.Fatalf("decoding a %dx%d image", cfg.Width, cfg.Height)
			}
			if format == "gif" {
				if g, err := gif.DecodeAll(io.NewSectionReader(r, 0, size)); err == nil && len(g.Image) > fuzzMaxFrames {
					t.Fatalf("decoding a GIF of %d frames", len(g.Image))
				}
			}
			return decodeImage(r, size, format)
		}
		res, err := makeThumbs(bytes.NewReader(data), int64(len(data)), opts, spy)
		if err != nil {
			if res != nil {
				t.Fatal("both a result and an error")
			}
			return
		}
		w, h, format, err := Probe(bytes.NewReader(data), int64(len(data)))
		if err != nil || w != res.Width || h != res.Height || format != res.Format {
			t.Fatalf("Probe says %dx%d %q %v; Make says %dx%d %q", w, h, format, err, res.Width, res.Height, res.Format)
		}
		if res.Reason != "" && (decoded || len(res.Thumbs) > 0) {
			t.Fatalf("Reason %q, but decoded %v with %d thumbnails", res.Reason, decoded, len(res.Thumbs))
		}
		if len(res.Thumbs)+len(res.Skipped) != len(opts.Widths) && res.Reason == "" {
			t.Fatalf("%d thumbs and %d skipped for %d widths", len(res.Thumbs), len(res.Skipped), len(opts.Widths))
		}
		for _, th := range res.Thumbs {
			if th.Width >= res.Width || th.Height < 1 || th.Height > res.Height {
				t.Fatalf("%dx%d thumbnail of a %dx%d image", th.Width, th.Height, res.Width, res.Height)
			}
			decodeThumb(t, th)
		}
	})
}
