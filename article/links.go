package article

// inlineLink tries `](dest "title")` at i.
func (s *inlineScanner) inlineLink(op opener, i int) (int, bool) {
	if i+1 >= s.end || s.src[i+1] != '(' {
		return 0, false
	}
	ds, de, angle, e, ok := s.linkTail(i + 2)
	if !ok {
		return 0, false
	}
	s.formed(op)
	if op.image && ds < de {
		delim := byte('b')
		if angle {
			delim = '<'
		}
		s.p.refs = append(s.p.refs, Ref{URL: decodeDest(s.src[ds:de]), Start: ds, End: de, Role: s.role,
			Syntax: SyntaxMarkdown, Alt: string(s.src[op.textStart():i]), delim: delim})
	}
	return e, true
}

// linkTail parses what follows `](`: destination, optional title and ')'.
func (s *inlineScanner) linkTail(p int) (ds, de int, angle bool, e int, ok bool) {
	src := s.src
	q := skipSpace(src, p, s.end)
	if q < s.end && src[q] == ')' {
		return q, q, false, q + 1, true
	}
	ds, de, next, angle, ok := parseDest(src, q, s.end)
	if !ok {
		return
	}
	r := skipSpace(src, next, s.end)
	if r < s.end && src[r] == ')' {
		return ds, de, angle, r + 1, true
	}
	if r == next || r >= s.end {
		return ds, de, angle, 0, false
	}
	t := s.title(r)
	if t < 0 {
		return ds, de, angle, 0, false
	}
	t = skipSpace(src, t, s.end)
	if t < s.end && src[t] == ')' {
		return ds, de, angle, t + 1, true
	}
	return ds, de, angle, 0, false
}

// title returns the offset after the link title at r, or -1.
func (s *inlineScanner) title(r int) int {
	var f *finder
	var c byte
	switch s.src[r] {
	case '"':
		f, c = &s.titles[0], '"'
	case '\'':
		f, c = &s.titles[1], '\''
	case '(':
		f, c = &s.titles[2], ')'
	default:
		return -1
	}
	e := f.unescaped(s.src, c, r+1, s.end)
	if e < 0 {
		return -1
	}
	return e + 1
}

// refLink tries a full `][label]`, collapsed `][]` or shortcut reference at
// i; plain says the text holds no brackets, so it can be a label itself.
func (s *inlineScanner) refLink(op opener, i int, plain bool) (int, bool) {
	if len(s.p.defs) == 0 {
		return 0, false
	}
	src, ts := s.src, op.textStart()
	var label []byte
	e := i + 1
	if e < s.end && src[e] == '[' {
		if le := labelEnd(src, e, s.end); le > e+1 {
			label, e = src[e+1:le], le+1
		} else if le == e+1 {
			e = le + 1
		}
	}
	if label == nil {
		if !plain || i-ts > 999 {
			return 0, false
		}
		label = src[ts:i]
	}
	d := s.p.defs[normLabel(label)]
	if d == nil {
		return 0, false
	}
	s.formed(op)
	if op.image {
		s.p.uses = append(s.p.uses, refUse{def: d, alt: string(src[ts:i])})
	}
	return e, true
}
