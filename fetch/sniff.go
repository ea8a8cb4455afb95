package fetch

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Format is an image format recognised by Sniff.
type Format struct {
	Name        string // "jpeg", "png", "gif", "webp"
	Ext         string // file extension without the dot: "jpg", "png", "gif", "webp"
	ContentType string // "image/jpeg", ...
}

// String returns f.Name.
func (f Format) String() string { return f.Name }

// sniffLen is how many leading bytes Sniff looks at at most; the fetcher
// sniffs as soon as it has this many bytes so that a large HTML page fails
// early.
const sniffLen = 512

// Sniff identifies a JPEG, PNG, GIF or WebP image from its first bytes
// (magic numbers only; 12 bytes are enough). For anything else it returns an
// error wrapping ErrNotImage that says what the bytes look like, e.g.
// "not an image (HTML page)".
func Sniff(head []byte) (Format, error) {
	if f, ok := sniffImage(head); ok {
		return f, nil
	}
	return Format{}, fmt.Errorf("%w (%s)", ErrNotImage, describe(head))
}

func sniffImage(b []byte) (Format, bool) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return Format{Name: "jpeg", Ext: "jpg", ContentType: "image/jpeg"}, true
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return Format{Name: "png", Ext: "png", ContentType: "image/png"}, true
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return Format{Name: "gif", Ext: "gif", ContentType: "image/gif"}, true
	case len(b) >= 12 && bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:12]) == "WEBP":
		return Format{Name: "webp", Ext: "webp", ContentType: "image/webp"}, true
	}
	return Format{}, false
}

// describe says in a few words what a non-image body looks like.
func describe(head []byte) string {
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(head) == 0:
		return "empty body"
	case len(trimmed) == 0:
		return "blank text"
	case isFtyp(head, "avif", "avis"):
		return "AVIF image, unsupported"
	case isFtyp(head, "heic", "heix", "mif1", "msf1"):
		return "HEIF image, unsupported"
	case hasPrefixFold(trimmed, "<svg"), hasPrefixFold(trimmed, "<?xml") && bytes.Contains(head, []byte("<svg")):
		return "SVG image, unsupported"
	case trimmed[0] == '{' || trimmed[0] == '[':
		return "JSON"
	}
	ct := http.DetectContentType(head)
	ct, _, _ = strings.Cut(ct, ";")
	switch {
	case ct == "text/html":
		return "HTML page"
	case ct == "text/xml":
		return "XML document"
	case ct == "text/plain" && utf8.Valid(head):
		return "text"
	case strings.HasPrefix(ct, "image/"):
		return "unsupported image " + ct
	case ct == "application/octet-stream", ct == "text/plain":
		return "unknown binary data"
	}
	return ct
}

// isFtyp reports whether head is an ISO-BMFF file of one of the brands.
func isFtyp(head []byte, brands ...string) bool {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return false
	}
	for _, b := range brands {
		if string(head[8:12]) == b {
			return true
		}
	}
	return false
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}
