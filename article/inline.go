package article

import (
	"bytes"
	"strings"
)

// inlineScanner finds images in one region, left to right, the way the
// CommonMark inline parser does: code spans, HTML and autolinks are taken
// whole where they start, and brackets are matched with a stack of openers
// when a ']' is seen.
type inlineScanner struct {
	p          *parser
	src        []byte
	start, end int
	role       Role
	openers    []opener
	floor      int // '[' openers below this index cannot start a link
	brackets   int // unescaped brackets seen so far
	ticks      tickIndex
	raw        [4]finder // for the ends of the rawHTML constructs
	titles     [3]finder // for titles closed by '"', '\'' and ')'
	tags       tagFinders
	attrs      []attr
}

// opener is a '[' or '![' waiting for its ']'.
type opener struct {
	pos          int
	image        bool
	brackets     int // s.brackets after this opener
	nrefs, nuses int // len(p.refs), len(p.uses) when it was seen
}

var special = [256]bool{'\\': true, '`': true, '<': true, '!': true, '[': true, ']': true}

// scan finds the images in region r.
func (s *inlineScanner) scan(p *parser, r region) {
	*s = inlineScanner{p: p, src: p.src, start: r.start, end: r.end, role: RoleInline,
		openers: s.openers[:0], attrs: s.attrs[:0], ticks: s.ticks.reset()}
	if r.cover {
		s.role = RoleCover
	}
	if r.htmlOnly {
		for i := r.start; i < r.end; i++ {
			j := bytes.IndexByte(s.src[i:r.end], '<')
			if j < 0 {
				return
			}
			i += j
			if e := s.html(i); e > 0 {
				i = e - 1
			}
		}
		return
	}
	for i := r.start; i < r.end; {
		if !special[s.src[i]] {
			i++
			continue
		}
		i = s.step(i)
	}
}

// step handles the special byte at i and returns where to go on.
func (s *inlineScanner) step(i int) int {
	src := s.src
	switch src[i] {
	case '\\':
		if i+1 < s.end && isPunct(src[i+1]) {
			return i + 2
		}
	case '`':
		n := runLen(src, i, s.end, '`')
		if c := s.ticks.closer(src, s.start, s.end, n, i+n); c >= 0 {
			return c + n
		}
		return i + n
	case '<':
		if e := s.html(i); e > 0 {
			return e
		}
	case '!':
		if i+1 < s.end && src[i+1] == '[' {
			s.push(i, true)
			return i + 2
		}
	case '[':
		s.push(i, false)
	case ']':
		return s.closeBracket(i)
	}
	return i + 1
}

// rawHTML are the inline HTML constructs other than tags: comment,
// processing instruction, CDATA section and declaration. The end is
// searched for from from bytes after the start (so that <!--> is a
// comment).
var rawHTML = [4]struct {
	start, end string
	from       int
}{{"<!--", "-->", 2}, {"<?", "?>", 2}, {"<![CDATA[", "]]>", len("<![CDATA[")}, {"<!", ">", 2}}

// html skips the HTML construct or autolink at src[i] == '<', recording the
// images of an <img> tag, and returns the offset after it, or 0.
func (s *inlineScanner) html(i int) int {
	src := s.src
	for k, r := range rawHTML {
		if !bytes.HasPrefix(src[i:s.end], []byte(r.start)) || k == 3 && (i+2 >= s.end || !isAlpha(src[i+2])) {
			continue
		}
		if e := s.raw[k].find(src, r.end, i+r.from, s.end); e >= 0 {
			return e + len(r.end)
		}
		return 0
	}
	if e := autolinkEnd(src, i, s.end); e > 0 {
		return e
	}
	s.attrs = s.attrs[:0]
	e := parseTag(src, i, s.end, &s.tags, &s.attrs)
	if e < 0 {
		return 0
	}
	if tagNameLen(src, i+1, s.end) == 3 && hasPrefixFold(src[i+1:], "img") {
		alt := ""
		for _, a := range s.attrs {
			if len(a.name) == 3 && hasPrefixFold(a.name, "alt") {
				alt = decodeHTML(src[a.start:a.end])
			}
		}
		for _, a := range s.attrs {
			s.addAttr(a, alt)
		}
	}
	return e
}

// addAttr records an image for an <img> attribute that names one. Like
// browsers, it ignores whitespace at the ends of the value; the span leaves
// out what is literally there.
func (s *inlineScanner) addAttr(a attr, alt string) {
	var name string
	for _, n := range []string{"src", "data-src", "data-croporisrc"} {
		if len(a.name) == len(n) && hasPrefixFold(a.name, n) {
			name = n
		}
	}
	for a.start < a.end && isHTMLSpace(s.src[a.start]) {
		a.start++
	}
	for a.end > a.start && isHTMLSpace(s.src[a.end-1]) {
		a.end--
	}
	url := strings.Trim(decodeHTML(s.src[a.start:a.end]), htmlSpace)
	if name == "" || url == "" {
		return
	}
	s.p.refs = append(s.p.refs, Ref{URL: url, Start: a.start, End: a.end,
		Role: s.role, Syntax: SyntaxHTML, Alt: alt, Attr: name, delim: a.quote})
}

func (s *inlineScanner) push(i int, image bool) {
	s.floor = min(s.floor, len(s.openers))
	s.brackets++
	s.openers = append(s.openers, opener{pos: i, image: image, brackets: s.brackets,
		nrefs: len(s.p.refs), nuses: len(s.p.uses)})
}

// closeBracket handles the ']' at i: it pops the nearest opener and tries
// to make a link or image of it. It returns where to go on.
func (s *inlineScanner) closeBracket(i int) int {
	k := len(s.openers) - 1
	if k < 0 {
		s.brackets++
		return i + 1
	}
	op := s.openers[k]
	s.openers = s.openers[:k]
	plain := op.brackets == s.brackets // no brackets between op and i
	s.brackets++
	if !op.image && k < s.floor {
		return i + 1
	}
	if e, ok := s.inlineLink(op, i); ok {
		return e
	}
	if e, ok := s.refLink(op, i, plain); ok {
		return e
	}
	return i + 1
}

// formed is called when op has become a link or image: an image's text is
// only alt text, so what was found in it is dropped; a link deactivates the
// '[' openers before it, since links do not nest.
func (s *inlineScanner) formed(op opener) {
	if op.image {
		s.p.refs = s.p.refs[:op.nrefs]
		s.p.uses = s.p.uses[:op.nuses]
	} else {
		s.floor = len(s.openers)
	}
}

// textStart is where the bracketed text of op starts.
func (op opener) textStart() int {
	if op.image {
		return op.pos + 2
	}
	return op.pos + 1
}

// htmlSpace is ASCII whitespace as HTML defines it.
const htmlSpace = " \t\n\f\r"

func isHTMLSpace(c byte) bool { return strings.IndexByte(htmlSpace, c) >= 0 }
