package article

import (
	"bytes"
	"strings"
)

// maxParens bounds the nesting of parentheses in a bare destination, as
// cmark does; it also keeps repeated failed scans cheap.
const maxParens = 32

// parseDest parses a link destination at p within src[:end]: <...> (angle)
// or bare. It returns the span of the URL text (without angle brackets) and
// the offset after the destination.
func parseDest(src []byte, p, end int) (ds, de, next int, angle, ok bool) {
	if p >= end {
		return
	}
	if src[p] == '<' {
		for q := p + 1; q < end; q++ {
			switch src[q] {
			case '>':
				return p + 1, q, q + 1, true, true
			case '\n', '\r', '<':
				return
			case '\\':
				if q+1 < end && isPunct(src[q+1]) {
					q++
				}
			}
		}
		return
	}
	depth, q := 0, p
loop:
	for ; q < end; q++ {
		switch c := src[q]; {
		case c <= ' ' || c == 0x7f:
			break loop
		case c == '\\' && q+1 < end && isPunct(src[q+1]):
			q++
		case c == '(':
			if depth++; depth > maxParens {
				return
			}
		case c == ')':
			if depth == 0 {
				break loop
			}
			depth--
		}
	}
	if q == p || depth != 0 {
		return
	}
	return p, q, q, false, true
}

// parseDef parses a one-line link reference definition
// `[label]: dest "title"` at src[p] == '['. It returns the normalized label
// and the definition, or a nil definition.
func parseDef(src []byte, p, le int) (string, *linkDef) {
	q := labelEnd(src, p, le)
	if q < 0 || q+1 >= le || src[q+1] != ':' {
		return "", nil
	}
	label := normLabel(src[p+1 : q])
	if label == "" {
		return "", nil
	}
	r := q + 2
	for r < le && (src[r] == ' ' || src[r] == '\t') {
		r++
	}
	ds, de, next, angle, ok := parseDest(src, r, le)
	if !ok {
		return "", nil
	}
	t := next
	for t < le && (src[t] == ' ' || src[t] == '\t') {
		t++
	}
	if t < le && (t == next || !titleFills(src, t, le)) {
		return "", nil
	}
	return label, &linkDef{start: ds, end: de, url: decodeDest(src[ds:de]), angle: angle}
}

// titleFills reports whether src[t:le] is a link title and trailing blanks.
func titleFills(src []byte, t, le int) bool {
	c := closerOf(src[t])
	if c == 0 {
		return false
	}
	for q := t + 1; q < le; q++ {
		switch src[q] {
		case '\\':
			q++
		case c:
			return isBlank(src, q+1, le)
		}
	}
	return false
}

// closerOf returns the byte that closes a link title opened by c, or 0.
func closerOf(c byte) byte {
	switch c {
	case '"', '\'':
		return c
	case '(':
		return ')'
	}
	return 0
}

// labelEnd returns the offset of the ']' closing the link label that
// starts at src[p] == '[', or -1. Labels hold at most 999 bytes and no
// unescaped brackets.
func labelEnd(src []byte, p, end int) int {
	for q := p + 1; q < end && q-p <= 1000; q++ {
		switch src[q] {
		case ']':
			return q
		case '[':
			return -1
		case '\\':
			if q+1 < end && isPunct(src[q+1]) {
				q++
			}
		}
	}
	return -1
}

// normLabel normalizes a link label for matching: runs of whitespace become
// one space, the ends are trimmed and case is folded.
func normLabel(b []byte) string {
	out := make([]byte, 0, len(b))
	space := false
	for _, c := range b {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			space = len(out) > 0
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, c)
	}
	return strings.ToLower(strings.ToUpper(string(out)))
}

// unescaped returns the offset of the first c in src[from:end] that is not
// escaped by a backslash, or -1. The byte before from must not be a
// backslash.
func (f *finder) unescaped(src []byte, c byte, from, end int) int {
	if f.ok && from >= f.from && (f.at < 0 || f.at >= from) {
		return f.at
	}
	at := -1
	for q := from; q < end; q++ {
		i := bytes.IndexByte(src[q:end], c)
		if i < 0 {
			break
		}
		q += i
		n := 0
		for q-n-1 >= from && src[q-n-1] == '\\' {
			n++
		}
		if n%2 == 0 {
			at = q
			break
		}
	}
	*f = finder{from: from, at: at, ok: true}
	return at
}

// tickIndex lists the backtick runs of a region by length, so that finding
// the run that closes a code span costs linear time over the region.
type tickIndex struct {
	built bool
	runs  map[int][]int // run length -> offsets of the runs
	next  map[int]int   // run length -> index of the first run not yet passed
}

// reset empties the index for a new region, keeping its maps.
func (t tickIndex) reset() tickIndex {
	clear(t.runs)
	clear(t.next)
	t.built = false
	return t
}

// closer returns the offset of the first run of exactly n backticks at or
// after from, or -1. Calls must come with increasing from.
func (t *tickIndex) closer(src []byte, start, end, n, from int) int {
	if !t.built {
		t.build(src, start, end)
	}
	list := t.runs[n]
	k := t.next[n]
	for k < len(list) && list[k] < from {
		k++
	}
	t.next[n] = k
	if k < len(list) {
		return list[k]
	}
	return -1
}

func (t *tickIndex) build(src []byte, start, end int) {
	t.built = true
	if t.runs == nil {
		t.runs, t.next = make(map[int][]int), make(map[int]int)
	}
	for i := start; i < end; {
		j := bytes.IndexByte(src[i:end], '`')
		if j < 0 {
			return
		}
		i += j
		n := runLen(src, i, end, '`')
		t.runs[n] = append(t.runs[n], i)
		i += n
	}
}
