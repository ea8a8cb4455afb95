package article

import "bytes"

// attr is an attribute of an HTML open tag.
type attr struct {
	name       []byte
	start, end int  // the value, without quotes
	quote      byte // '"', '\'' or 'u' for an unquoted value
}

// finder remembers its last search so that searches from increasing
// offsets, within the same bound, cost linear time overall.
type finder struct {
	from, at int
	ok       bool
}

// find returns the offset of the first needle in src[from:end], or -1.
// A nil finder just searches.
func (f *finder) find(src []byte, needle string, from, end int) int {
	if f != nil && f.ok && from >= f.from && (f.at < 0 || f.at >= from) {
		return f.at
	}
	at := -1
	if from <= end {
		if at = bytes.Index(src[from:end], []byte(needle)); at >= 0 {
			at += from
		}
	}
	if f != nil {
		*f = finder{from: from, at: at, ok: true}
	}
	return at
}

// tagFinders are the finders for the two quote characters.
type tagFinders struct{ dq, sq finder }

// parseTag parses the HTML open or closing tag at src[p] == '<' within
// src[:end], as CommonMark defines them. It returns the offset after the
// tag, or -1. The attributes of an open tag are appended to *attrs if attrs
// is not nil. tf may be nil.
func parseTag(src []byte, p, end int, tf *tagFinders, attrs *[]attr) int {
	q := p + 1
	closing := q < end && src[q] == '/'
	if closing {
		q++
	}
	n := tagNameLen(src, q, end)
	if n == 0 {
		return -1
	}
	q += n
	if closing {
		q = skipSpace(src, q, end)
		if q < end && src[q] == '>' {
			return q + 1
		}
		return -1
	}
	for {
		r := skipSpace(src, q, end)
		switch {
		case r < end && src[r] == '>':
			return r + 1
		case r+1 < end && src[r] == '/' && src[r+1] == '>':
			return r + 2
		case r == q:
			return -1 // attributes must be separated by whitespace
		}
		if q = parseAttr(src, r, end, tf, attrs); q < 0 {
			return -1
		}
	}
}

// parseAttr parses one attribute at p and returns the offset after it, or -1.
func parseAttr(src []byte, p, end int, tf *tagFinders, attrs *[]attr) int {
	q := p
	if q >= end || !isAlpha(src[q]) && src[q] != '_' && src[q] != ':' {
		return -1
	}
	for q++; q < end && (isAlpha(src[q]) || isDigit(src[q]) || bytes.IndexByte([]byte("_.:-"), src[q]) >= 0); q++ {
	}
	a := attr{name: src[p:q]}
	r := skipSpace(src, q, end)
	if r >= end || src[r] != '=' {
		return q // no value
	}
	r = skipSpace(src, r+1, end)
	if r >= end {
		return -1
	}
	switch c := src[r]; c {
	case '"', '\'':
		f := (*finder)(nil)
		if tf != nil {
			f = &tf.dq
			if c == '\'' {
				f = &tf.sq
			}
		}
		e := f.find(src, string(c), r+1, end)
		if e < 0 {
			return -1
		}
		a.start, a.end, a.quote, q = r+1, e, c, e+1
	default:
		e := r
		for e < end && src[e] > ' ' && bytes.IndexByte([]byte("\"'=<>`"), src[e]) < 0 {
			e++
		}
		if e == r {
			return -1
		}
		a.start, a.end, a.quote, q = r, e, 'u', e
	}
	if attrs != nil {
		*attrs = append(*attrs, a)
	}
	return q
}

// tagNameLen returns the length of the HTML tag name at p, or 0.
func tagNameLen(src []byte, p, end int) int {
	if p >= end || !isAlpha(src[p]) {
		return 0
	}
	q := p + 1
	for q < end && (isAlpha(src[q]) || isDigit(src[q]) || src[q] == '-') {
		q++
	}
	return q - p
}

// skipSpace skips spaces, tabs and line endings.
func skipSpace(src []byte, p, end int) int {
	for p < end && (src[p] == ' ' || src[p] == '\t' || src[p] == '\n' || src[p] == '\r') {
		p++
	}
	return p
}

// autolinkEnd returns the offset after the URI autolink at src[p] == '<',
// or -1.
func autolinkEnd(src []byte, p, end int) int {
	q := p + 1
	for q < end && q-p <= 33 && (isAlpha(src[q]) || q > p+1 && (isDigit(src[q]) || src[q] == '+' || src[q] == '.' || src[q] == '-')) {
		q++
	}
	if n := q - p - 1; n < 2 || n > 32 || q >= end || src[q] != ':' {
		return -1
	}
	for q++; q < end; q++ {
		switch c := src[q]; {
		case c == '>':
			return q + 1
		case c <= ' ' || c == '<' || c == 0x7f:
			return -1
		}
	}
	return -1
}

var rawTextTags = []string{"script", "pre", "style", "textarea"}

var blockTags = map[string]bool{}

func init() {
	for _, t := range bytes.Fields([]byte(`address article aside base basefont blockquote body
		caption center col colgroup dd details dialog dir div dl dt fieldset figcaption figure
		footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html iframe legend li link
		main menu menuitem nav noframes ol optgroup option p param search section summary table
		tbody td tfoot th thead title tr track ul`)) {
		blockTags[string(t)] = true
	}
}

// htmlBlockStart returns the kind (1..7, numbered as in CommonMark) of the
// HTML block starting at p, or 0. Kind 7 cannot interrupt a paragraph.
func htmlBlockStart(src []byte, p, le int, paraOpen bool) int {
	if src[p] != '<' {
		return 0
	}
	r := src[p+1 : le]
	for _, t := range rawTextTags {
		if hasPrefixFold(r, t) && (len(r) == len(t) || bytes.IndexByte([]byte(" \t>"), r[len(t)]) >= 0) {
			return 1
		}
	}
	switch {
	case bytes.HasPrefix(r, []byte("!--")):
		return 2
	case bytes.HasPrefix(r, []byte("?")):
		return 3
	case bytes.HasPrefix(r, []byte("![CDATA[")):
		return 5
	case len(r) > 1 && r[0] == '!' && isAlpha(r[1]):
		return 4
	}
	name := bytes.TrimPrefix(r, []byte("/"))
	n := tagNameLen(name, 0, len(name))
	var buf [16]byte
	lname := buf[:0]
	for _, c := range name[:min(n, len(buf))] {
		lname = append(lname, lower(c))
	}
	rest := name[n:]
	if n > 0 && n <= len(buf) && blockTags[string(lname)] &&
		(len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '>' || bytes.HasPrefix(rest, []byte("/>"))) {
		return 6
	}
	if paraOpen || n == 0 || n <= len(buf) && isRawTextTag(lname) {
		return 0
	}
	if e := parseTag(src, p, le, nil, nil); e > 0 && isBlank(src, e, le) {
		return 7
	}
	return 0
}

func isRawTextTag(lname []byte) bool {
	for _, t := range rawTextTags {
		if string(lname) == t {
			return true
		}
	}
	return false
}

// htmlBlockEnds reports whether src[from:le] meets the end condition of an
// HTML block of kind 1 to 5.
func htmlBlockEnds(src []byte, from, le, kind int) bool {
	b := src[from:le]
	switch kind {
	case 1:
		for _, t := range rawTextTags {
			if containsFold(b, "</"+t+">") {
				return true
			}
		}
		return false
	case 2:
		return bytes.Contains(b, []byte("-->"))
	case 3:
		return bytes.Contains(b, []byte("?>"))
	case 4:
		return bytes.IndexByte(b, '>') >= 0
	}
	return bytes.Contains(b, []byte("]]>"))
}
