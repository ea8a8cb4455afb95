package article

import "bytes"

// leafKind is the kind of the open leaf block.
type leafKind uint8

const (
	leafNone leafKind = iota
	leafPara
	leafFence
	leafIndented
	leafHTML
)

// container is an open blockquote or list item.
type container struct {
	quote bool
	width int // list item: columns its content is indented by
}

// blockParser is the line-by-line pass. It tracks just enough of the
// CommonMark block structure (containers, code blocks, HTML blocks,
// paragraphs) to know which bytes hold inline content, and collects link
// reference definitions and the metadata header on the way.
type blockParser struct {
	p       *parser
	src     []byte
	stack   []container
	quotes  []int       // indices of the blockquotes in stack
	scratch []container // containers opened by the current line
	leaf    leafKind

	fenceChar   byte
	fenceLen    int
	htmlKind    int // 1..7, as numbered by CommonMark
	regionStart int
	regionEnd   int
	zone        bool // still in the metadata header zone
}

var bom = []byte("\xef\xbb\xbf")

// run splits the source into lines and feeds them to line.
func (b *blockParser) run() {
	ls := 0
	if bytes.HasPrefix(b.src, bom) {
		ls = len(bom)
	}
	for ls < len(b.src) {
		le := len(b.src)
		next := le
		if i := bytes.IndexByte(b.src[ls:], '\n'); i >= 0 {
			le, next = ls+i, ls+i+1
		}
		if le > ls && b.src[le-1] == '\r' {
			le--
		}
		b.line(ls, le)
		ls = next
	}
	b.closeLeaf()
}

// line handles one line; src[ls:le] is its text without the line ending.
func (b *blockParser) line(ls, le int) {
	if b.zone && b.headerLine(ls, le) {
		return
	}
	c := cursor{pos: ls}
	n := b.matchContainers(&c, le)
	all := n == len(b.stack)
	if all && b.continueLeaf(c, le) {
		return
	}
	interrupt := b.leaf == leafPara && all
	c = b.scanContainers(c, le, interrupt)
	paraOpen := b.leaf == leafPara && len(b.scratch) == 0
	k := classify(b.src, c, le, paraOpen)
	if paraOpen && k.kind == kText {
		b.regionEnd = le // continuation or lazy continuation line
		return
	}
	b.closeLeaf()
	b.setStack(n)
	b.openLeaf(k, le)
}

// setStack keeps the first n open containers and adds those in b.scratch.
func (b *blockParser) setStack(n int) {
	for len(b.quotes) > 0 && b.quotes[len(b.quotes)-1] >= n {
		b.quotes = b.quotes[:len(b.quotes)-1]
	}
	b.stack = b.stack[:n]
	for _, ct := range b.scratch {
		if ct.quote {
			b.quotes = append(b.quotes, len(b.stack))
		}
		b.stack = append(b.stack, ct)
	}
}

// matchContainers consumes the prefixes of the open containers that the
// line continues and returns how many it continues. A blank line continues
// the list items before the first blockquote; that case is answered
// without walking the stack, which may be deep.
func (b *blockParser) matchContainers(c *cursor, le int) int {
	if isBlank(b.src, c.pos, le) {
		if len(b.quotes) > 0 {
			return b.quotes[0]
		}
		return len(b.stack)
	}
	for i, ct := range b.stack {
		if ct.quote {
			ind, p := c.indent(b.src, le, 4)
			if ind >= 4 || p >= le || b.src[p] != '>' {
				return i
			}
			c.skipAll(b.src, le)
			c.advance(1)
			c.skip(b.src, le, 1)
			continue
		}
		if ind, _ := c.indent(b.src, le, ct.width); ind < ct.width {
			return i
		}
		c.skip(b.src, le, ct.width)
	}
	return len(b.stack)
}

// continueLeaf handles a line that continues every open container while a
// code or HTML block is open. It reports whether the line was consumed.
func (b *blockParser) continueLeaf(c cursor, le int) bool {
	switch b.leaf {
	case leafFence:
		if closesFence(b.src, c, le, b.fenceChar, b.fenceLen) {
			b.leaf = leafNone
		}
		return true
	case leafIndented:
		ind, _ := c.indent(b.src, le, 4)
		return ind >= 4 || isBlank(b.src, c.pos, le)
	case leafHTML:
		if b.htmlKind >= 6 {
			if isBlank(b.src, c.pos, le) {
				b.closeLeaf()
			} else {
				b.regionEnd = le
			}
			return true
		}
		b.regionEnd = le
		if htmlBlockEnds(b.src, c.pos, le, b.htmlKind) {
			b.finishHTML(true)
		}
		return true
	}
	return false
}

// scanContainers opens the blockquotes and list items that start the rest
// of the line, leaving them in b.scratch, and returns the cursor after them.
// interrupt says a paragraph is open in the innermost matched container, so
// only list items that may interrupt a paragraph count.
func (b *blockParser) scanContainers(c cursor, le int, interrupt bool) cursor {
	b.scratch = b.scratch[:0]
	for {
		ind, p := c.indent(b.src, le, 4)
		if ind >= 4 || p >= le {
			return c
		}
		if b.src[p] == '>' {
			c.skipAll(b.src, le)
			c.advance(1)
			c.skip(b.src, le, 1)
			b.scratch = append(b.scratch, container{quote: true})
			continue
		}
		if isBreak(b.src, p, le) {
			return c
		}
		w, ok := listItem(b.src, &c, le, interrupt && len(b.scratch) == 0)
		if !ok {
			return c
		}
		b.scratch = append(b.scratch, container{width: w})
	}
}

// openLeaf starts the leaf block that classify found.
func (b *blockParser) openLeaf(k lineKind, le int) {
	switch k.kind {
	case kIndented:
		b.leaf = leafIndented
	case kFence:
		b.leaf, b.fenceChar, b.fenceLen = leafFence, k.fenceChar, k.fenceLen
	case kHeading:
		b.p.regions = append(b.p.regions, region{start: k.pos, end: le})
		if k.level == 1 && len(b.stack) == 0 && b.p.doc.Meta.Title == "" {
			b.p.doc.Meta.Title = headingText(b.src[k.pos:le])
		}
	case kHTML:
		b.leaf, b.htmlKind = leafHTML, k.html
		b.regionStart, b.regionEnd = k.pos, le
		if k.html < 6 && htmlBlockEnds(b.src, k.pos+2, le, k.html) {
			b.finishHTML(true)
		}
	case kDef:
		b.p.addDef(k.label, k.def)
	case kText:
		b.leaf = leafPara
		b.regionStart, b.regionEnd = k.pos, le
	}
}

// closeLeaf ends the open leaf block, if any.
func (b *blockParser) closeLeaf() {
	switch b.leaf {
	case leafPara:
		b.p.regions = append(b.p.regions, region{start: b.regionStart, end: b.regionEnd})
	case leafHTML:
		b.finishHTML(b.htmlKind >= 6)
	}
	b.leaf = leafNone
}

// finishHTML ends an HTML block; ended says its end condition was met (an
// unterminated comment must not be scanned). Blocks that can hold images
// become HTML-only regions.
func (b *blockParser) finishHTML(ended bool) {
	b.leaf = leafNone
	keep := b.htmlKind >= 6 || b.htmlKind == 2 && ended ||
		b.htmlKind == 1 && hasPrefixFold(b.src[b.regionStart+1:b.regionEnd], "pre")
	if keep {
		b.p.regions = append(b.p.regions, region{start: b.regionStart, end: b.regionEnd, htmlOnly: true})
	}
}

// headerLine handles a line of the metadata header zone and reports whether
// it was a metadata line (which then belongs to no block; metaLine may make
// its value a region of its own). It ends the zone at the first line that
// is not blank, metadata or the title. No paragraph can be open here, since
// a paragraph line ends the zone.
func (b *blockParser) headerLine(ls, le int) bool {
	if len(b.stack) > 0 || b.leaf != leafNone && b.leaf != leafPara {
		b.zone = false
		return false
	}
	c := cursor{pos: ls}
	ind, p := c.indent(b.src, le, 4)
	if blank := isBlank(b.src, ls, le); blank || ind >= 4 {
		b.zone = blank
		return false
	}
	if metaLine(b.p, b.src, p, le) {
		b.closeLeaf()
		return true
	}
	if b.p.doc.Meta.Title == "" && headingLevel(b.src, p, le) == 1 {
		return false
	}
	b.zone = false
	return false
}
