package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	_ "image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp"
)

// poolImage is one image the generated articles draw from.
type poolImage struct {
	name   string
	format string // jpeg, png, gif, webp
	w, h   int
	data   []byte
}

// pool is the benchmark's images: from bench/testdata by default, or from
// the directory given with -corpus (read only).
type pool struct {
	src     string
	regular []poolImage // article images
	photos  []poolImage // regular JPEG photos (the thumbs suite)
	large   []poolImage // more than 8 megapixels

	largeJPEG, largeWebP, largeGIF *poolImage // built by memoryImages
	notes                          []string
}

// largePixels is where an image counts as large.
const largePixels = 8_000_000

func loadPool(root, corpus string) (*pool, error) {
	dir := filepath.Join(root, "bench", "testdata")
	if corpus != "" {
		dir = corpus
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	p := &pool{src: dir}
	for _, ent := range ents {
		ext := strings.ToLower(filepath.Ext(ent.Name()))
		if ent.IsDir() || !slices.Contains([]string{".jpg", ".jpeg", ".png", ".gif", ".webp"}, ext) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			return nil, err
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("images: %s: %v", ent.Name(), err)
		}
		im := poolImage{name: ent.Name(), format: format, w: cfg.Width, h: cfg.Height, data: b}
		switch {
		case int64(cfg.Width)*int64(cfg.Height) > largePixels:
			p.large = append(p.large, im)
		default:
			p.regular = append(p.regular, im)
			if format == "jpeg" {
				p.photos = append(p.photos, im)
			}
		}
	}
	if len(p.photos) == 0 {
		return nil, fmt.Errorf("images: no JPEG photos in %s", dir)
	}
	return p, nil
}

// formatShare is the share of each format among the images of the
// generated articles, roughly as in WeChat articles: mostly JPEG photos.
var formatShare = []struct {
	format string
	share  float64
}{{"jpeg", 0.84}, {"png", 0.08}, {"gif", 0.04}, {"webp", 0.04}}

// pick chooses a regular image: a format by formatShare (among the formats
// the pool has), then a file of that format.
func (p *pool) pick(rng *rand.Rand) poolImage {
	byFormat := map[string][]poolImage{}
	total := 0.0
	for _, im := range p.regular {
		byFormat[im.format] = append(byFormat[im.format], im)
	}
	for _, f := range formatShare {
		if len(byFormat[f.format]) > 0 {
			total += f.share
		}
	}
	x := rng.Float64() * total
	for _, f := range formatShare {
		ims := byFormat[f.format]
		if len(ims) == 0 {
			continue
		}
		if x -= f.share; x < 0 {
			return ims[rng.IntN(len(ims))]
		}
	}
	return p.regular[0]
}

// memoryImages prepares the large images of the memory suite: the
// corpus's 3840x2160 JPEG and 4096x4096 WebP when there are such, else a
// generated JPEG and bench/testdata's large WebP, and a generated animated
// GIF of at least 20 MiB.
func (p *pool) memoryImages() error {
	if p.largeJPEG != nil {
		return nil
	}
	for i := range p.large {
		im := &p.large[i]
		switch {
		case im.format == "jpeg" && p.largeJPEG == nil:
			p.largeJPEG = im
		case im.format == "webp" && p.largeWebP == nil:
			p.largeWebP = im
		}
	}
	if p.largeJPEG == nil {
		b, from, err := largeJPEG(p.photos)
		if err != nil {
			return err
		}
		p.largeJPEG = &poolImage{name: "generated-3840x2160.jpg", format: "jpeg", w: 3840, h: 2160, data: b}
		p.notes = append(p.notes, fmt.Sprintf("generated a 3840x2160 JPEG (%s) from %s, enlarged, with film grain", mib(int64(len(b))), from))
	}
	if p.largeWebP == nil {
		p.notes = append(p.notes, "no large WebP available: the batch has none")
	}
	b := largeGIF(20 << 20)
	cfg, _ := gif.DecodeConfig(bytes.NewReader(b))
	p.largeGIF = &poolImage{name: "generated-anim.gif", format: "gif", w: cfg.Width, h: cfg.Height, data: b}
	p.notes = append(p.notes, fmt.Sprintf("generated an animated GIF of %dx%d, %s", cfg.Width, cfg.Height, mib(int64(len(b)))))
	return nil
}

// largeJPEG makes a 3840x2160 JPEG of about 8 MB (like the corpus's
// large-elephants-3840.jpg) by enlarging a photo and adding film grain.
// It returns the name of the photo it started from.
func largeJPEG(photos []poolImage) (data []byte, from string, err error) {
	base := photos[0]
	for _, p := range photos {
		if strings.Contains(p.name, "elephants") {
			base = p
		}
	}
	src, err := imaging.Decode(bytes.NewReader(base.data))
	if err != nil {
		return nil, "", err
	}
	m := imaging.Fill(src, 3840, 2160, imaging.Center, imaging.Linear)
	const grain = 49
	rng := rand.New(rand.NewPCG(3840, 2160))
	for i := range m.Pix {
		if i%4 == 3 {
			continue
		}
		v := int(m.Pix[i]) + rng.IntN(grain) - grain/2
		m.Pix[i] = uint8(min(max(v, 0), 255))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 98}); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), base.name, nil
}

// largeGIF makes an animated GIF of at least minBytes: 1080x1080 frames of
// noise, which LZW cannot compress.
func largeGIF(minBytes int) []byte {
	const w, h = 1080, 1080
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.RGBA{uint8(i), uint8(255 - i), uint8(i * 7), 255}
	}
	rng := rand.New(rand.NewPCG(20, 20))
	frame := func() *image.Paletted {
		m := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for i := range m.Pix {
			m.Pix[i] = uint8(rng.Uint32())
		}
		return m
	}
	var one bytes.Buffer
	gif.Encode(&one, frame(), nil)
	n := minBytes/one.Len() + 2
	g := &gif.GIF{LoopCount: 0}
	for range n {
		g.Image = append(g.Image, frame())
		g.Delay = append(g.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// uniquify returns a copy of an image file with tag embedded in metadata
// that decoders ignore (a JPEG COM segment, a PNG tEXt chunk, a GIF
// comment, a trailing WebP chunk), so that every image URL of a batch has
// its own bytes — and its own SHA-256, as on the real CDN — while decoding
// to the same pixels.
func uniquify(data []byte, format, tag string) []byte {
	t := []byte("imgmirror-bench " + tag)
	var out []byte
	switch format {
	case "jpeg":
		// After SOI and any APPn segments, so JFIF/EXIF stay first.
		pos := 2
		for pos+4 <= len(data) && data[pos] == 0xff && data[pos+1] >= 0xe0 && data[pos+1] <= 0xef {
			pos += 2 + int(binary.BigEndian.Uint16(data[pos+2:]))
		}
		seg := []byte{0xff, 0xfe, 0, 0}
		binary.BigEndian.PutUint16(seg[2:], uint16(2+len(t)))
		out = slices.Concat(data[:pos], seg, t, data[pos:])
	case "png":
		// A tEXt chunk just before IEND (the last 12 bytes).
		body := slices.Concat([]byte("tEXt"), []byte("Comment\x00"), t)
		chunk := make([]byte, 4, 12+len(body))
		binary.BigEndian.PutUint32(chunk, uint32(len(body)-4))
		chunk = append(chunk, body...)
		chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(body))
		end := len(data) - 12
		out = slices.Concat(data[:end], chunk, data[end:])
	case "gif":
		// A comment extension before the trailer.
		end := len(data)
		if data[end-1] == 0x3b {
			end--
		}
		ext := slices.Concat([]byte{0x21, 0xfe, byte(len(t))}, t, []byte{0})
		out = slices.Concat(data[:end], ext, []byte{0x3b})
	case "webp":
		// An unknown chunk at the end of the RIFF container.
		if len(t)%2 == 1 {
			t = append(t, ' ')
		}
		chunk := slices.Concat([]byte("BNCH"), binary.LittleEndian.AppendUint32(nil, uint32(len(t))), t)
		out = slices.Concat(data, chunk)
		binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	default:
		panic("uniquify: unknown format " + format)
	}
	return out
}
