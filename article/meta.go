package article

import "bytes"

// metaLabels are the labels of the metadata header lines.
var metaLabels = []string{"文章作者", "发布时间", "发布地", "原文链接", "封面图链接"}

// metaField returns the Meta field for label i.
func metaField(m *Meta, i int) *string {
	return [...]*string{&m.Author, &m.Published, &m.Place, &m.OriginalURL, &m.Cover}[i]
}

// metaLine recognizes a metadata line `label: value` at src[p:le] (ASCII or
// full-width colon, optional blanks) and records it; the first line with a
// label wins. The cover line's value becomes a Ref if it looks like a URL;
// otherwise the value is scanned for images like a paragraph, and those on
// the cover line get Role cover.
func metaLine(pr *parser, src []byte, p, le int) bool {
	line := src[p:le]
	for i, label := range metaLabels {
		if !bytes.HasPrefix(line, []byte(label)) {
			continue
		}
		q := skipBlanks(src, p+len(label), le)
		switch {
		case bytes.HasPrefix(src[q:le], []byte(":")):
			q++
		case bytes.HasPrefix(src[q:le], []byte("：")):
			q += len("：")
		default:
			return false
		}
		vs, ve := skipBlanks(src, q, le), le
		for ve > vs && (src[ve-1] == ' ' || src[ve-1] == '\t') {
			ve--
		}
		f := metaField(&pr.doc.Meta, i)
		if *f != "" {
			return true
		}
		*f = string(src[vs:ve])
		if i == 4 && looksLikeURL(src[vs:ve]) {
			pr.refs = append(pr.refs, Ref{URL: *f, Start: vs, End: ve, Role: RoleCover, Syntax: SyntaxCover})
		} else {
			// Images written in Markdown or HTML still count.
			pr.regions = append(pr.regions, region{start: vs, end: ve, cover: i == 4})
		}
		return true
	}
	return false
}

// looksLikeURL reports whether v starts with http://, https:// or //.
func looksLikeURL(v []byte) bool {
	return hasPrefixFold(v, "http://") || hasPrefixFold(v, "https://") || bytes.HasPrefix(v, []byte("//"))
}

// skipBlanks skips spaces and tabs.
func skipBlanks(src []byte, p, le int) int {
	for p < le && (src[p] == ' ' || src[p] == '\t') {
		p++
	}
	return p
}
