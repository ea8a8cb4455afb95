package article

import (
	"strings"
	"testing"
)

func TestRewrite(t *testing.T) {
	src := []byte("0123456789")
	for _, tc := range []struct {
		name  string
		edits []Edit
		want  string
		err   string // substring of the error
	}{
		{"none", nil, "0123456789", ""},
		{"one", []Edit{{2, 4, "ab"}}, "01ab456789", ""},
		{"any order", []Edit{{8, 9, "X"}, {0, 1, ""}, {4, 4, "+"}}, "123+4567X9", ""},
		{"grow and shrink", []Edit{{0, 5, "a"}, {5, 6, "bbbbb"}}, "abbbbb6789", ""},
		{"insert before replace", []Edit{{3, 5, "R"}, {3, 3, "I"}}, "012IR56789", ""},
		{"whole", []Edit{{0, 10, ""}}, "", ""},
		{"at end", []Edit{{10, 10, "!"}}, "0123456789!", ""},
		{"overlap", []Edit{{1, 3, "a"}, {5, 6, "b"}, {2, 4, "c"}}, "", "edit 2 [2,4) overlaps edit 0 [1,3)"},
		{"same insertion point", []Edit{{4, 4, "a"}, {4, 4, "b"}}, "", "overlaps"},
		{"past end", []Edit{{0, 1, ""}, {9, 11, "x"}}, "", "edit 1 [9,11) is out of range"},
		{"negative", []Edit{{-1, 1, "x"}}, "", "edit 0 [-1,1)"},
		{"reversed", []Edit{{5, 4, "x"}}, "", "edit 0 [5,4)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Rewrite(src, tc.edits)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Rewrite = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if string(src) != "0123456789" {
		t.Errorf("Rewrite changed its input to %q", src)
	}
}

func TestText(t *testing.T) {
	refs := map[string]Ref{
		"html dq":  {Syntax: SyntaxHTML, delim: '"'},
		"html sq":  {Syntax: SyntaxHTML, delim: '\''},
		"html uq":  {Syntax: SyntaxHTML, delim: 'u'},
		"html ?":   {Syntax: SyntaxHTML},
		"md bare":  {Syntax: SyntaxMarkdown, delim: 'b'},
		"md angle": {Syntax: SyntaxMarkdown, delim: '<'},
		"md ?":     {Syntax: SyntaxMarkdown},
		"ref bare": {Syntax: SyntaxReference, delim: 'b'},
		"cover":    {Syntax: SyntaxCover, Role: RoleCover},
	}
	for _, tc := range []struct{ ref, url, want string }{
		{"html dq", "https://a.example/x.png?a=1&b=2", "https://a.example/x.png?a=1&amp;b=2"},
		{"html dq", `a"b'c<d>e` + "`", "a&#34;b&#39;c&lt;d&gt;e&#96;"},
		{"html sq", "a'b", "a&#39;b"},
		{"html uq", "a b=c", `"a b=c"`},
		{"html uq", "", `""`},
		{"html ?", "a&b", "a&amp;b"},
		{"md bare", "https://a.example/x.png?a=1&b=2", "https://a.example/x.png?a=1&b=2"},
		{"md bare", "a b.png", "<a b.png>"},
		{"md bare", "a(1).png", "<a(1).png>"},
		{"md bare", "a<b>", `<a\<b\>>`},
		{"md bare", `a\b&amp;c&x`, `a\\b\&amp;c&x`},
		{"md bare", "a`b\nc\r", "a%60b%0Ac%0D"},
		{"md bare", "a\x01b", "<a\x01b>"},
		{"md bare", "x--", `x-\-`},
		{"md bare", "", "<>"},
		{"md angle", "a b(1)<2>", `a b(1)\<2\>`},
		{"md angle", "", ""},
		{"md ?", "a b(1)<2>", `a%20b\(1\)\<2\>`},
		{"md ?", "", "<>"},
		{"ref bare", "a b", "<a b>"},
		{"cover", "https://a.example/x y&amp;", "https://a.example/x y&amp;"},
		{"cover", " a\nb\t", "%20a%0Ab%09"},
	} {
		if got := refs[tc.ref].Text(tc.url); got != tc.want {
			t.Errorf("%s: Text(%q) = %q, want %q", tc.ref, tc.url, got, tc.want)
		}
	}
}

// textContexts are documents with one image whose URL is the placeholder
// "https://p.example/x", in each form Text must handle, some of them next
// to constructs that a careless replacement could complete.
var textContexts = []string{
	"![a](https://p.example/x)",
	"![a](https://p.example/x \"t\")",
	"![a](<https://p.example/x>)",
	"![a](<https://p.example/x> 't')",
	"![a][r]\n\n[r]: https://p.example/x\n",
	"![r]\n\n[r]: <https://p.example/x> \"t\"\n",
	`<img src="https://p.example/x">`,
	`<img src='https://p.example/x'>`,
	`<img src=https://p.example/x>`,
	"封面图链接: https://p.example/x\n",
	"` ![a](https://p.example/x) <img src=\"https://p.example/x\">",
	"a <!-- ![a](<https://p.example/x>) <img src=\"https://p.example/x\">",
	"![a](https://p.example/x) `",
	"[l](<https://p.example/x> ![a](https://p.example/x) \"t\")",
}

// roundTrip writes u in the place of every reference in ctx, parses the
// result and checks that it has the same references, now meaning u.
func roundTrip(t *testing.T, ctx, u string) {
	t.Helper()
	src := []byte(ctx)
	d := Parse(src)
	if len(d.Refs) == 0 {
		t.Fatalf("no refs in %q", ctx)
	}
	if d.Refs[0].Syntax == SyntaxCover {
		u = "https://" + u // so that it still looks like a URL
	}
	edits := make([]Edit, len(d.Refs))
	for i, r := range d.Refs {
		edits[i] = Edit{Start: r.Start, End: r.End, Text: r.Text(u)}
	}
	out, err := Rewrite(src, edits)
	if err != nil {
		t.Fatal(err)
	}
	d2 := Parse(out)
	if len(d2.Refs) != len(d.Refs) {
		t.Fatalf("%q: Text(%q) gave %q with %d refs, want %d", ctx, u, out, len(d2.Refs), len(d.Refs))
	}
	for i, r := range d2.Refs {
		if want := meaning(d.Refs[i], u); r.URL != want || r.Syntax != d.Refs[i].Syntax {
			t.Errorf("%q: Text(%q) gave %q: ref %d is %s %q, want %s %q", ctx, u, out, i, r.Syntax, r.URL, d.Refs[i].Syntax, want)
		}
	}
}

// meaning is what u means once written by r.Text: in HTML, whitespace at
// the ends does not count; in Markdown line breaks and backticks are
// percent-encoded; on the cover line, line breaks and blanks at the ends.
func meaning(r Ref, u string) string {
	if r.Syntax == SyntaxHTML {
		return strings.Trim(u, htmlSpace) // as browsers do
	}
	if r.Syntax == SyntaxCover {
		return coverText(u)
	}
	return strings.NewReplacer("\n", "%0A", "\r", "%0D", "`", "%60").Replace(u)
}

func TestTextRoundTrip(t *testing.T) {
	urls := []string{"https://x.example/a.png", "a b", "a(b", "a)b", "<a>", `a\b\)`, "a&amp;b&#1;", "a\"b'c",
		"x--", "--", "-->", "a`b", "a\nb", "\x00\x7f", "图 片", "a]b[c", "![i](j)"} // "" is no image
	for _, ctx := range textContexts {
		for _, u := range urls {
			roundTrip(t, ctx, u)
		}
	}
}
