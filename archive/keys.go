package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
)

// OriginalKey is the store key of an original image.
func OriginalKey(sum, ext string) string {
	return fmt.Sprintf("img/%s/%s.%s", sum[:2], sum, ext)
}

// ThumbKey is the store key of the thumbnail of the given width of the
// original whose SHA-256 is sum.
func ThumbKey(width int, sum, ext string) string {
	return fmt.Sprintf("thumb/%d/%s/%s.%s", width, sum[:2], sum, ext)
}

// IndexKey is the store key of the URL index entry of a normalized URL.
func IndexKey(normalized string) string {
	h := sha256.Sum256([]byte(normalized))
	return "index/url/" + hex.EncodeToString(h[:]) + ".json"
}

// ArticleKey is the store key of a rewritten article whose path relative
// to the output directory is rel (slash-separated).
func ArticleKey(rel string) string { return "articles/" + rel }

// ManifestName returns the manifest path beside the article path p:
// "dir/name.md" becomes "dir/name.manifest.json".
func ManifestName(p string) string {
	ext := path.Ext(p)
	if strings.EqualFold(ext, ".md") || strings.EqualFold(ext, ".markdown") {
		p = strings.TrimSuffix(p, ext)
	}
	return p + ".manifest.json"
}
