package article

import (
	"bytes"
	"math"
)

// Kinds of line content, after the container prefixes.
const (
	kBlank = iota
	kText
	kIndented
	kFence
	kHeading
	kBreak
	kHTML
	kDef
)

// lineKind is what classify found at the start of a line's content.
type lineKind struct {
	kind      int
	pos       int // where the content (or heading text) starts
	level     int // heading level
	fenceChar byte
	fenceLen  int
	html      int // HTML block kind
	label     string
	def       *linkDef
}

// classify tells which leaf block the rest of a line starts. paraOpen says
// a paragraph would continue here, which indented code and some HTML
// blocks cannot interrupt.
func classify(src []byte, c cursor, le int, paraOpen bool) lineKind {
	ind, p := c.indent(src, le, 4)
	switch {
	case isBlank(src, c.pos, le):
		return lineKind{kind: kBlank}
	case ind >= 4 && paraOpen:
		return lineKind{kind: kText, pos: p}
	case ind >= 4:
		return lineKind{kind: kIndented}
	}
	if ch, n := fenceOpen(src, p, le); n > 0 {
		return lineKind{kind: kFence, fenceChar: ch, fenceLen: n}
	}
	if lv := headingLevel(src, p, le); lv > 0 {
		return lineKind{kind: kHeading, pos: p + lv, level: lv}
	}
	if isBreak(src, p, le) {
		return lineKind{kind: kBreak}
	}
	if h := htmlBlockStart(src, p, le, paraOpen); h > 0 {
		return lineKind{kind: kHTML, pos: p, html: h}
	}
	if !paraOpen && src[p] == '[' {
		if label, d := parseDef(src, p, le); d != nil {
			return lineKind{kind: kDef, label: label, def: d}
		}
	}
	return lineKind{kind: kText, pos: p}
}

// listItem recognizes a list marker at the cursor. On success it moves the
// cursor to the item's content and returns the item's width in columns.
// restricted applies the rules for a list item interrupting a paragraph.
func listItem(src []byte, c *cursor, le int, restricted bool) (int, bool) {
	ind, p := c.indent(src, le, 4)
	q := p
	switch ch := src[p]; {
	case ch == '-' || ch == '+' || ch == '*':
		q++
	case isDigit(ch):
		for q < le && q-p < 9 && isDigit(src[q]) {
			q++
		}
		if q >= le || src[q] != '.' && src[q] != ')' || restricted && (q-p != 1 || ch != '1') {
			return 0, false
		}
		q++
	default:
		return 0, false
	}
	if q < le && src[q] != ' ' && src[q] != '\t' {
		return 0, false
	}
	d := *c
	d.skipAll(src, le)
	d.advance(q - p)
	sp, r := d.indent(src, le, math.MaxInt)
	switch {
	case r >= le && restricted:
		return 0, false
	case r >= le:
		d.skipAll(src, le)
		sp = 1
	case sp >= 5:
		d.skip(src, le, 1)
		sp = 1
	default:
		d.skipAll(src, le)
	}
	*c = d
	return ind + q - p + sp, true
}

// isBreak reports whether src[p:le] is a thematic break.
func isBreak(src []byte, p, le int) bool {
	ch := src[p]
	if ch != '-' && ch != '_' && ch != '*' {
		return false
	}
	n := 0
	for ; p < le; p++ {
		switch src[p] {
		case ch:
			n++
		case ' ', '\t':
		default:
			return false
		}
	}
	return n >= 3
}

// fenceOpen returns the character and length of a code fence opening at p,
// or a length of 0.
func fenceOpen(src []byte, p, le int) (byte, int) {
	ch := src[p]
	if ch != '`' && ch != '~' {
		return 0, 0
	}
	n := runLen(src, p, le, ch)
	if n < 3 || ch == '`' && bytes.IndexByte(src[p+n:le], '`') >= 0 {
		return 0, 0
	}
	return ch, n
}

// closesFence reports whether the line at the cursor closes a fence of at
// least n characters ch.
func closesFence(src []byte, c cursor, le int, ch byte, n int) bool {
	ind, p := c.indent(src, le, 4)
	if ind >= 4 || p >= le {
		return false
	}
	m := runLen(src, p, le, ch)
	return m >= n && isBlank(src, p+m, le)
}

// headingLevel returns the level of an ATX heading starting at p, or 0.
func headingLevel(src []byte, p, le int) int {
	n := runLen(src, p, le, '#')
	if n == 0 || n > 6 || p+n < le && src[p+n] != ' ' && src[p+n] != '\t' {
		return 0
	}
	return n
}

// headingText returns the text of a heading without its closing sequence.
func headingText(b []byte) string {
	b = bytes.Trim(b, " \t")
	t := bytes.TrimRight(b, "#")
	if len(t) == 0 || t[len(t)-1] == ' ' || t[len(t)-1] == '\t' {
		b = bytes.TrimRight(t, " \t")
	}
	return string(b)
}

// runLen counts the bytes ch starting at p.
func runLen(src []byte, p, le int, ch byte) int {
	n := 0
	for p+n < le && src[p+n] == ch {
		n++
	}
	return n
}

// isBlank reports whether src[p:le] holds only spaces and tabs.
func isBlank(src []byte, p, le int) bool {
	for ; p < le; p++ {
		if src[p] != ' ' && src[p] != '\t' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// lower maps ASCII upper-case letters to lower case.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// isPunct reports whether c is ASCII punctuation, which a backslash escapes.
func isPunct(c byte) bool {
	return '!' <= c && c <= '/' || ':' <= c && c <= '@' || '[' <= c && c <= '`' || '{' <= c && c <= '~'
}

// hasPrefixFold is bytes.HasPrefix ignoring ASCII case; prefix is lower case.
func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(b[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// containsFold is bytes.Contains ignoring ASCII case; sub is lower case.
func containsFold(b []byte, sub string) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if hasPrefixFold(b[i:], sub) {
			return true
		}
	}
	return false
}
