package article

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds are small inputs that reach the interesting parts of the parser.
var fuzzSeeds = []string{
	"# T\n\n文章作者: A\n封面图链接: https://mmbiz.qpic.cn/c/0?wx_fmt=png\n\n![](https://mmbiz.qpic.cn/a/640?wx_fmt=jpeg&from=appmsg)",
	"![a](u \"t\") ![b](<u v> 't') ![c [d] e](f(g)h) [![](i)](j) \\![k](l)",
	"![x][r] ![r][] ![R]\n\n[r]: <u v> \"t\"\n[s]: w",
	"<img src=\"a&amp;b\" data-src='c' data-croporisrc=d SRC=\"\">\n<p>\n<img\nsrc=e>\n</p>",
	"```\n![](a)\n```\n~~~~ x\n![](b)\n~~~~\n\n    ![](c)\n\n- x\n\n    ![](d)\n\n`![](e)` ``![](f)``",
	">   1. **x:**\n> y ![](a)\n>   2. z\n>\n> ![](b)\n\n<!-- ![](c) -->\n<script>\n<img src=d>\n</script>",
	"a\r\n![](b)\r\n<img src=\"c\">\r\n```\r\n![](d)\r\n```\r\n",
	"[a](b \"![](c)\") <http://d/![](e)> `` ` `` ![f ![g](h)](i) [[j](k)](l) ![](m(n)o)",
	"\ufeff<!-->![](a)\n<?x ![](b) ?>\n<![CDATA[ ![](c) ]]>\n<!X ![](d) >\n\t![](e)\n - \n\n***\n",
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	// The golden inputs, in chunks of about 1 KB: whole files would make
	// the fuzzer's minimization of new inputs slow.
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.md"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for len(b) > 0 {
			n := len(b)
			if i := bytes.Index(b[min(1024, n):], []byte("\n\n")); i >= 0 {
				n = min(1024, n) + i + 2
			}
			f.Add(b[:n])
			b = b[n:]
		}
	}
}

// validate checks the invariants of a parse result.
func validate(src []byte, d *Doc, dropped int) error {
	if dropped != 0 {
		return fmt.Errorf("parse dropped %d overlapping refs", dropped)
	}
	prev, line, pos := 0, 1, 0
	for i, r := range d.Refs {
		if r.Start < prev || r.End <= r.Start || r.End > len(src) {
			return fmt.Errorf("ref %d [%d,%d) empty, out of order or out of range (previous end %d, len %d)",
				i, r.Start, r.End, prev, len(src))
		}
		line += bytes.Count(src[pos:r.Start], []byte("\n"))
		pos, prev = r.Start, r.End
		if r.Line != line {
			return fmt.Errorf("ref %d at %d: Line = %d, want %d", i, r.Start, r.Line, line)
		}
		if r.Syntax == SyntaxCover && r.Role != RoleCover || (r.Attr != "") != (r.Syntax == SyntaxHTML) {
			return fmt.Errorf("ref %d: inconsistent %+v", i, r)
		}
		if r.Syntax == SyntaxCover && (r.URL != d.Meta.Cover || i > 0 && d.Refs[0].Syntax == SyntaxCover) {
			return fmt.Errorf("ref %d: cover %q, Meta.Cover %q", i, r.URL, d.Meta.Cover)
		}
	}
	return nil
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		d, dropped := parse(src)
		if err := validate(src, d, dropped); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzRewrite replaces every reference and checks that nothing but the
// references changed: deleting the edited spans from the input and from the
// output leaves the same bytes.
func FuzzRewrite(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		d, dropped := parse(src)
		if err := validate(src, d, dropped); err != nil {
			t.Fatal(err)
		}
		edits := make([]Edit, len(d.Refs))
		var kept, newKept []byte
		pos := 0
		for i, r := range d.Refs {
			text := r.Text(fmt.Sprintf("https://x.example/%d", i))
			edits[i] = Edit{Start: r.Start, End: r.End, Text: text}
			kept = append(kept, src[pos:r.Start]...)
			pos = r.End
		}
		kept = append(kept, src[pos:]...)
		out, err := Rewrite(src, edits)
		if err != nil {
			t.Fatalf("Rewrite with the parsed spans: %v", err)
		}
		pos, shift := 0, 0
		for _, e := range edits {
			start := e.Start + shift
			if got := string(out[start : start+len(e.Text)]); got != e.Text {
				t.Fatalf("output at %d is %q, want %q", start, got, e.Text)
			}
			newKept = append(newKept, out[pos:start]...)
			pos = start + len(e.Text)
			shift += len(e.Text) - (e.End - e.Start)
		}
		newKept = append(newKept, out[pos:]...)
		if !bytes.Equal(kept, newKept) {
			t.Fatalf("bytes outside the edits changed:\n in: %q\nout: %q", kept, newKept)
		}
		d2, dropped := parse(out)
		if err := validate(out, d2, dropped); err != nil {
			t.Fatalf("reparse: %v", err)
		}
	})
}

// FuzzText checks that Text writes any URL so that it means that URL, in
// each of the textContexts.
func FuzzText(f *testing.F) {
	for i, u := range []string{"https://a.example/b c(d)<e>", "a`b\n--", `\&amp;"'`, "\x00"} {
		f.Add(u, uint8(i))
	}
	f.Fuzz(func(t *testing.T, u string, ctx uint8) {
		if strings.Trim(u, htmlSpace) == "" {
			return // an empty destination or value is no image
		}
		roundTrip(t, textContexts[int(ctx)%len(textContexts)], u)
	})
}
