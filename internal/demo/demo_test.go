package demo

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
)

// imageURLPattern matches a mmbiz.qpic.cn image URL and captures its
// "<prefix>/<id>" key.
const imageURLPattern = `https?://mmbiz\.qpic\.cn/([a-z_]+/[A-Za-z0-9]+)(?:/[^\s)"'?]*)?(?:\?[^\s)"']*)?`

// splitFenced separates the article into text outside fenced code blocks and
// text inside them.
func splitFenced(article string) (outside, inside string) {
	var out, in strings.Builder
	fenced := false
	for line := range strings.Lines(article) {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			in.WriteString(line)
		} else {
			out.WriteString(line)
		}
	}
	return out.String(), in.String()
}

func TestArticleHeader(t *testing.T) {
	a := string(Article())
	lines := strings.Split(a, "\n")
	if !strings.HasPrefix(lines[0], "# ") {
		t.Errorf("first line %q is not a title", lines[0])
	}
	for _, prefix := range []string{
		"文章作者: ",
		"发布时间: ",
		"发布地: ",
		"原文链接: http://mp.weixin.qq.com/s?",
		"封面图链接: https://mmbiz.qpic.cn/sz_mmbiz_jpg/",
	} {
		found := false
		for _, l := range lines[:12] {
			if strings.HasPrefix(l, prefix) {
				found = true
			}
		}
		if !found {
			t.Errorf("header has no line starting %q", prefix)
		}
	}
	if !strings.Contains(a, "](https://mp.weixin.qq.com/s?") {
		t.Error("article has no link to another mp.weixin.qq.com article")
	}
	if !strings.Contains(a, `<img `) || !strings.Contains(a, `data-src="https://mmbiz.qpic.cn/`) {
		t.Error("article has no <img data-src> tag")
	}
}

func TestArticleImagesExist(t *testing.T) {
	imageURL := regexp.MustCompile(imageURLPattern)
	images := Images()
	outside, inside := splitFenced(string(Article()))

	refs := map[string]int{}
	for _, m := range imageURL.FindAllStringSubmatch(outside, -1) {
		refs[m[1]]++
	}
	for key := range refs {
		if _, ok := images[key]; !ok {
			t.Errorf("article references %s, which Images does not have", key)
		}
	}
	for key := range images {
		if refs[key] == 0 {
			t.Errorf("Images has %s, which the article never references", key)
		}
	}
	if len(refs) != len(images) {
		t.Errorf("article references %d images, Images has %d", len(refs), len(images))
	}

	// The same image appears twice with different size segments or queries.
	dups := 0
	for _, n := range refs {
		if n > 1 {
			dups++
		}
	}
	if dups == 0 {
		t.Error("no image is referenced twice")
	}

	// The code block holds a URL that must not be archived; its image is
	// absent so that an archiver touching it shows up as a failed fetch.
	code := imageURL.FindAllStringSubmatch(inside, -1)
	if len(code) == 0 {
		t.Fatal("no image URL inside a fenced code block")
	}
	for _, m := range code {
		if _, ok := images[m[1]]; ok {
			t.Errorf("code block URL %s is in Images; it should not be", m[0])
		}
	}
}

func TestArticleURLVariants(t *testing.T) {
	imageURL := regexp.MustCompile(imageURLPattern)
	a := string(Article())
	files := Files()
	// The URL each kind of image is referenced with.
	want := map[string]string{
		"diagram-spring.png": "mmbiz_png/",
		"anim-flowers.gif":   "mmbiz_gif/",
		"webp-ladybird.webp": "tp=webp",
	}
	for key, file := range files {
		sub, ok := want[file]
		if !ok {
			continue
		}
		found := false
		for _, m := range imageURL.FindAllStringSubmatch(a, -1) {
			if m[1] == key && strings.Contains(m[0], sub) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s (%s) is not referenced with %q", key, file, sub)
		}
	}
	if !strings.Contains(a, "wx_fmt=png") || !strings.Contains(a, "wx_fmt=gif") {
		t.Error("article lacks wx_fmt=png or wx_fmt=gif")
	}
}

func TestImagesDecode(t *testing.T) {
	files := Files()
	total := 0
	for key, b := range Images() {
		total += len(b)
		file := files[key]
		switch path.Ext(file) {
		case ".webp":
			w, h, err := webpSize(b)
			if err != nil {
				t.Errorf("%s (%s): %v", key, file, err)
			} else if w == 0 || h == 0 {
				t.Errorf("%s (%s): size %dx%d", key, file, w, h)
			}
		case ".gif":
			g, err := gif.DecodeAll(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s (%s): %v", key, file, err)
			} else if len(g.Image) < 2 {
				t.Errorf("%s (%s): %d frames, want an animation", key, file, len(g.Image))
			}
		default:
			m, format, err := image.Decode(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s (%s): %v", key, file, err)
				continue
			}
			if "."+strings.Replace(format, "jpeg", "jpg", 1) != path.Ext(file) {
				t.Errorf("%s (%s): decoded as %s", key, file, format)
			}
			if m.Bounds().Empty() {
				t.Errorf("%s (%s): empty image", key, file)
			}
		}
	}
	if total > 700<<10 {
		t.Errorf("images total %d bytes; keep the demo small", total)
	}
}

// webpSize reads a WebP's canvas size from its VP8X header, or from the
// frame header of a simple lossy (VP8) or lossless (VP8L) file.
func webpSize(b []byte) (w, h int, err error) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, errString("not a RIFF WEBP file")
	}
	d := b[20:]
	switch string(b[12:16]) {
	case "VP8X":
		w = 1 + (int(d[4]) | int(d[5])<<8 | int(d[6])<<16)
		h = 1 + (int(d[7]) | int(d[8])<<8 | int(d[9])<<16)
		return w, h, nil
	case "VP8 ":
		if d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a {
			return 0, 0, errString("bad VP8 start code")
		}
		w = int(binary.LittleEndian.Uint16(d[6:8]) & 0x3fff)
		h = int(binary.LittleEndian.Uint16(d[8:10]) & 0x3fff)
		return w, h, nil
	case "VP8L":
		if d[0] != 0x2f {
			return 0, 0, errString("bad VP8L signature")
		}
		v := binary.LittleEndian.Uint32(d[1:5])
		return 1 + int(v&0x3fff), 1 + int(v>>14&0x3fff), nil
	}
	return 0, 0, errString("unknown WebP chunk " + string(b[12:16]))
}

type errString string

func (e errString) Error() string { return string(e) }

func TestFS(t *testing.T) {
	fsys := FS()
	for _, name := range []string{"sample-article.md", "ATTRIBUTION.md", "COPYRIGHT.mate-backgrounds"} {
		if _, err := fs.Stat(fsys, name); err != nil {
			t.Errorf("FS lacks %s: %v", name, err)
		}
	}
	for key, file := range Files() {
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			t.Errorf("FS lacks %s: %v", file, err)
			continue
		}
		if !bytes.Equal(b, Images()[key]) {
			t.Errorf("FS %s differs from Images()[%s]", file, key)
		}
	}
	attr, err := fs.ReadFile(fsys, "ATTRIBUTION.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range Files() {
		if !bytes.Contains(attr, []byte(file)) {
			t.Errorf("ATTRIBUTION.md does not mention %s", file)
		}
	}
}

func TestCopies(t *testing.T) {
	a := Article()
	a[0] = 'X'
	if Article()[0] == 'X' {
		t.Error("Article returns shared bytes")
	}
	for key, b := range Images() {
		b[0] ^= 0xff
		if Images()[key][0] == b[0] {
			t.Errorf("Images()[%s] returns shared bytes", key)
		}
		break
	}
}
