package article

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// wantRef is an expected reference in a table test.
type wantRef struct {
	span   string // src[Start:End]
	url    string // Ref.URL; the span if empty
	line   int    // 1 if zero
	syntax Syntax
	role   Role   // RoleInline if empty
	attr   string // Ref.Attr
	alt    *string
}

func md(span string) wantRef    { return wantRef{span: span, syntax: SyntaxMarkdown} }
func ref(span string) wantRef   { return wantRef{span: span, syntax: SyntaxReference} }
func cover(span string) wantRef { return wantRef{span: span, syntax: SyntaxCover, role: RoleCover} }
func tag(attr, span string) wantRef {
	return wantRef{span: span, syntax: SyntaxHTML, attr: attr}
}

func (w wantRef) at(line int) wantRef      { w.line = line; return w }
func (w wantRef) means(url string) wantRef { w.url = url; return w }
func (w wantRef) withAlt(a string) wantRef { w.alt = &a; return w }

// parseCase is a table test for Parse.
type parseCase struct {
	name string
	src  string
	want []wantRef
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(tc.src)
			d, dropped := parse(src)
			if dropped != 0 {
				t.Errorf("dropped %d overlapping refs", dropped)
			}
			checkSpans(t, src, d)
			if len(d.Refs) != len(tc.want) {
				t.Fatalf("got %d refs, want %d:\n%s", len(d.Refs), len(tc.want), describe(src, d.Refs))
			}
			for i, w := range tc.want {
				if err := w.check(src, d.Refs[i]); err != nil {
					t.Errorf("ref %d: %v", i, err)
				}
			}
		})
	}
}

func (w wantRef) check(src []byte, r Ref) error {
	url, line, role := w.url, w.line, w.role
	if url == "" {
		url = w.span
	}
	if line == 0 {
		line = 1
	}
	if role == "" {
		role = RoleInline
	}
	var errs []string
	add := func(field string, got, want any) {
		if got != want {
			errs = append(errs, fmt.Sprintf("%s = %q, want %q", field, got, want))
		}
	}
	add("span", string(src[r.Start:r.End]), w.span)
	add("URL", r.URL, url)
	add("Line", fmt.Sprint(r.Line), fmt.Sprint(line))
	add("Syntax", r.Syntax, w.syntax)
	add("Role", r.Role, role)
	add("Attr", r.Attr, w.attr)
	if w.alt != nil {
		add("Alt", r.Alt, *w.alt)
	}
	if errs != nil {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func describe(src []byte, refs []Ref) string {
	var b bytes.Buffer
	for i, r := range refs {
		fmt.Fprintf(&b, "  %d: line %d %s/%s %s span %q url %q\n", i, r.Line, r.Role, r.Syntax, r.Attr,
			src[r.Start:r.End], r.URL)
	}
	return b.String()
}
