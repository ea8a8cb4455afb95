package article

// cursor is a position in a line that knows its column, so that tabs can
// count as tab stops of width 4 when measuring indentation.
type cursor struct {
	pos   int // byte offset
	col   int // column of pos
	extra int // columns left over from a partly consumed tab before pos
}

// indent returns the columns of whitespace at the cursor and the offset of
// the first byte after it (le if the rest of the line is blank). It stops
// early, inside the whitespace, once it has seen limit columns: callers
// that only compare with a small number then do not rescan long runs of
// whitespace for every container.
func (c cursor) indent(src []byte, le, limit int) (cols, p int) {
	cols, col, p := c.extra, c.col, c.pos
	for ; p < le && cols < limit; p++ {
		switch src[p] {
		case ' ':
			cols++
			col++
		case '\t':
			w := 4 - col%4
			cols += w
			col += w
		default:
			return cols, p
		}
	}
	return cols, p
}

// skip consumes up to n columns of whitespace.
func (c *cursor) skip(src []byte, le, n int) {
	if c.extra >= n {
		c.extra -= n
		return
	}
	n -= c.extra
	c.extra = 0
	for n > 0 && c.pos < le {
		switch src[c.pos] {
		case ' ':
			n--
			c.col++
		case '\t':
			w := 4 - c.col%4
			c.col += w
			if w > n {
				c.extra = w - n
			}
			n -= min(w, n)
		default:
			return
		}
		c.pos++
	}
}

// skipAll consumes all whitespace.
func (c *cursor) skipAll(src []byte, le int) {
	c.skip(src, le, c.extra+4*(le-c.pos))
}

// advance moves over k bytes that are not whitespace.
func (c *cursor) advance(k int) {
	c.pos += k
	c.col += k
	c.extra = 0
}
