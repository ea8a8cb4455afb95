package article

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
)

// Role says what an image is for in the article.
type Role string

// Roles of an image.
const (
	RoleCover  Role = "cover"
	RoleInline Role = "inline"
)

// Syntax says where a reference was found.
type Syntax string

// Syntaxes of a reference.
const (
	SyntaxCover     Syntax = "cover"     // header line `封面图链接: URL`
	SyntaxMarkdown  Syntax = "markdown"  // ![alt](url), ![alt](url "t"), ![alt](<url>)
	SyntaxReference Syntax = "reference" // the URL in a `[ref]: url` definition used by ![alt][ref] / ![alt][] / ![ref]
	SyntaxHTML      Syntax = "html"      // <img src|data-src|data-croporisrc="...">
)

// Ref is one image reference in a document.
type Ref struct {
	URL    string // the URL as meant (HTML entities decoded for SyntaxHTML; angle brackets removed)
	Start  int    // byte offset of the URL text in the source
	End    int    // byte offset just past it; src[Start:End] is exactly the text to replace
	Line   int    // 1-based line number of Start
	Role   Role
	Syntax Syntax
	Alt    string // alt text, "" if none
	Attr   string // for SyntaxHTML the attribute name ("src", "data-src", "data-croporisrc"); else ""

	// delim records how the URL was delimited in the source, so that Text
	// can write a replacement in the same form: '<' or 'b' (bare) for
	// Markdown destinations; '"', '\'' or 'u' (unquoted) for HTML
	// attributes. The zero value, as in a Ref built by hand, makes Text use
	// a form that is valid in every place of the Ref's syntax.
	delim byte
}

// Meta is the article's metadata header.
type Meta struct {
	Title       string // first `# ` ATX heading (level 1), trimmed
	Author      string // `文章作者: X`
	Published   string // `发布时间: X`
	Place       string // `发布地: X`
	OriginalURL string // `原文链接: X`
	Cover       string // `封面图链接: X`
}

// Doc is the result of Parse.
type Doc struct {
	Meta Meta
	Refs []Ref // in source order, spans never overlap
}

// Edit replaces src[Start:End] with Text.
type Edit struct {
	Start, End int
	Text       string
}

// Parse finds the metadata and the image references of a Markdown article.
// It never fails: any byte input (including invalid UTF-8) yields a Doc.
func Parse(src []byte) *Doc {
	d, _ := parse(src)
	return d
}

// parse is Parse that also returns how many references were dropped because
// they overlapped an earlier one; that never happens unless there is a bug,
// which the tests check.
func parse(src []byte) (*Doc, int) {
	p := &parser{src: src, doc: &Doc{}}
	b := blockParser{p: p, src: src, zone: true}
	b.run()
	var s inlineScanner
	for _, r := range p.regions {
		s.scan(p, r)
	}
	p.resolveUses()
	dropped := p.finish()
	return p.doc, dropped
}

// parser holds what the block pass hands to the inline pass.
type parser struct {
	src     []byte
	doc     *Doc
	regions []region
	defs    map[string]*linkDef
	uses    []refUse
	refs    []Ref
}

// region is a run of source bytes that holds inline content: a paragraph,
// a heading, the value of a metadata line, or (htmlOnly) an HTML block,
// where only tags count. Images in the value of the cover line (cover) have
// Role cover.
type region struct {
	start, end int
	htmlOnly   bool
	cover      bool
}

// linkDef is a link reference definition `[label]: url`.
type linkDef struct {
	start, end int // span of the destination, without angle brackets
	url        string
	angle      bool
	used       bool
}

// refUse is a reference-style image that names a definition.
type refUse struct {
	def *linkDef
	alt string
}

// addDef records a definition; the first one for a label wins.
func (p *parser) addDef(label string, d *linkDef) {
	if p.defs == nil {
		p.defs = make(map[string]*linkDef)
	}
	if _, ok := p.defs[label]; !ok {
		p.defs[label] = d
	}
}

// resolveUses turns each definition used by an image into one Ref.
func (p *parser) resolveUses() {
	for _, u := range p.uses {
		d := u.def
		if d.used || d.start == d.end {
			continue
		}
		d.used = true
		delim := byte('b')
		if d.angle {
			delim = '<'
		}
		p.refs = append(p.refs, Ref{URL: d.url, Start: d.start, End: d.end, Role: RoleInline,
			Syntax: SyntaxReference, Alt: u.alt, delim: delim})
	}
}

// finish sorts the references, drops any that overlap (returning how many)
// and fills in line numbers.
func (p *parser) finish() int {
	slices.SortStableFunc(p.refs, func(a, b Ref) int { return cmp.Compare(a.Start, b.Start) })
	kept := p.refs[:0]
	prevEnd := -1
	for _, r := range p.refs {
		if r.Start < prevEnd {
			continue
		}
		kept = append(kept, r)
		prevEnd = r.End
	}
	dropped := len(p.refs) - len(kept)
	line, pos := 1, 0
	for i := range kept {
		line += bytes.Count(p.src[pos:kept[i].Start], []byte{'\n'})
		pos = kept[i].Start
		kept[i].Line = line
	}
	if len(kept) > 0 {
		p.doc.Refs = kept
	}
	return dropped
}

// Rewrite applies edits (any order given; they must not overlap and must lie
// within src, otherwise it returns an error naming the bad edit). Everything
// outside the edited spans is byte-identical. Two insertions (empty spans)
// at the same offset count as overlapping, since their order would be
// ambiguous.
func Rewrite(src []byte, edits []Edit) ([]byte, error) {
	order := make([]int, len(edits))
	size := len(src)
	for i, e := range edits {
		if e.Start < 0 || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("article: edit %d [%d,%d) is out of range [0,%d]", i, e.Start, e.End, len(src))
		}
		order[i] = i
		size += len(e.Text) - (e.End - e.Start)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(edits[a].Start, edits[b].Start), cmp.Compare(edits[a].End, edits[b].End))
	})
	out := make([]byte, 0, size)
	pos := 0
	for k, i := range order {
		e := edits[i]
		if k > 0 {
			prev := edits[order[k-1]]
			if e.Start < prev.End || e.End == prev.Start && e.Start == prev.End {
				return nil, fmt.Errorf("article: edit %d [%d,%d) overlaps edit %d [%d,%d)",
					i, e.Start, e.End, order[k-1], prev.Start, prev.End)
			}
		}
		out = append(out, src[pos:e.Start]...)
		out = append(out, e.Text...)
		pos = e.End
	}
	return append(out, src[pos:]...), nil
}
