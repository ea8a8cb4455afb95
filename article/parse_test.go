package article

import "testing"

func TestParseInline(t *testing.T) {
	runParseCases(t, []parseCase{
		{"plain", "![alt](http://a.example/b.png)", []wantRef{md("http://a.example/b.png").withAlt("alt")}},
		{"double-quoted title", `![a](u.png "t i t")`, []wantRef{md("u.png")}},
		{"single-quoted title", `![a](u.png 't')`, []wantRef{md("u.png")}},
		{"parenthesized title", `![a](u.png (t))`, []wantRef{md("u.png")}},
		{"title on next line", "![a](u.png\n  \"t\")", []wantRef{md("u.png")}},
		{"quote without space is part of url", `![a](u.png"t")`, []wantRef{md(`u.png"t"`)}},
		{"blanks around destination", "![a](  u.png  )", []wantRef{md("u.png")}},
		{"angle brackets", "![a](<u v (1).png>)", []wantRef{md("u v (1).png")}},
		{"angle brackets and title", `![a](<u.png> "t")`, []wantRef{md("u.png")}},
		{"angle with escaped bracket", `![a](<u\>.png>)`, []wantRef{md(`u\>.png`).means("u>.png")}},
		{"several on one line", "x ![](a.png)![](b.png) y ![c](c.png)",
			[]wantRef{md("a.png"), md("b.png"), md("c.png").withAlt("c")}},
		{"alt with brackets", "![a [b] c](u.png)", []wantRef{md("u.png").withAlt("a [b] c")}},
		{"alt with escaped bracket", `![a \] b](u.png)`, []wantRef{md("u.png").withAlt(`a \] b`)}},
		{"balanced parentheses", "![](a(b)c.png)", []wantRef{md("a(b)c.png")}},
		{"unbalanced parenthesis", "![](a(b.png)", nil},
		{"escaped parenthesis", `![](a\(b.png)`, []wantRef{md(`a\(b.png`).means("a(b.png")}},
		{"character reference", "![](a?x=1&amp;y=2&#38;z)", []wantRef{md("a?x=1&amp;y=2&#38;z").means("a?x=1&y=2&z")}},
		{"image in link", "[![](img.png)](https://mp.weixin.qq.com/s/page)", []wantRef{md("img.png")}},
		{"image and text in link", "[see ![i](img.png) here](page.html)", []wantRef{md("img.png")}},
		{"image in image alt is alt text", "![out ![in](in.png) x](out.png)", []wantRef{md("out.png")}},
		{"links do not nest", "[a [b](c.html) ![i](i.png)](d.png)", []wantRef{md("i.png")}},
		{"link title is not scanned", `[a](p.html "![x](t.png)") ![y](y.png)`, []wantRef{md("y.png")}},
		{"link destination is not scanned", `[a](p![x](t.png)) ![y](y.png)`, []wantRef{md("y.png")}},
		{"alt over two lines", "a ![b\nc](u.png)", []wantRef{md("u.png").at(2).withAlt("b\nc")}},
		{"multibyte alt and url", "![图片](https://例子.example/图.png)", []wantRef{md("https://例子.example/图.png").withAlt("图片")}},
		{"escaped backslash before image", `\\![a](u.png)`, []wantRef{md("u.png")}},
		{"line numbers", "a\n\nb ![](1.png)\nc\n\n![](2.png)", []wantRef{md("1.png").at(3), md("2.png").at(6)}},
		{"empty destination", "![]() ![](<>) ![a]( )", nil},
		{"space before parenthesis", "![a] (u.png)", nil},
		{"space after bang", "! [a](u.png)", nil},
		{"unclosed", "![a](u.png", nil},
		{"unclosed title", `![a](u.png "t)`, nil},
		{"line break in angle destination", "![a](<u\n.png>)", nil},
	})
}

func TestParseReference(t *testing.T) {
	const defs = "\n\n[logo]: https://a.example/logo.png \"Logo\"\n[Sp  Ace]: <https://a.example/s p.png> 't'\n"
	runParseCases(t, []parseCase{
		{"full", "![alt][logo]" + defs, []wantRef{ref("https://a.example/logo.png").at(3).withAlt("alt")}},
		{"collapsed", "![logo][]" + defs, []wantRef{ref("https://a.example/logo.png").at(3).withAlt("logo")}},
		{"shortcut", "![logo]" + defs, []wantRef{ref("https://a.example/logo.png").at(3)}},
		{"case and whitespace folded", "![x][sp ace] ![x][SP\tACE]" + defs, []wantRef{ref("https://a.example/s p.png").at(4)}},
		{"one ref per definition", "![a][logo] ![b][LOGO] ![logo]" + defs, []wantRef{ref("https://a.example/logo.png").at(3).withAlt("a")}},
		{"definition used only by a link", "[a][logo] [logo]" + defs, nil},
		{"definition used by link and image", "[a][logo] ![b][logo]" + defs, []wantRef{ref("https://a.example/logo.png").at(3).withAlt("b")}},
		{"undefined label", "![a][nope] ![nope]" + defs, nil},
		{"full reference does not fall back to shortcut", "![logo][nope]" + defs, nil},
		{"definition before use", "[i]: i.png\n\n![i]", []wantRef{ref("i.png")}},
		{"first definition wins", "![i]\n\n[i]: first.png\n[I]: second.png", []wantRef{ref("first.png").at(3)}},
		{"parenthesized title", "![i]\n\n[i]: i.png (t)", []wantRef{ref("i.png").at(3)}},
		{"escapes in definition", "![i]\n\n[i]: a\\_b&amp;c.png", []wantRef{ref(`a\_b&amp;c.png`).means("a_b&c.png").at(3)}},
		{"definition in blockquote", "![i]\n\n> [i]: q.png", []wantRef{ref("q.png").at(3)}},
		{"definition cannot interrupt a paragraph", "text\n[i]: i.png\n\n![i]", nil},
		{"junk after definition", "![i]\n\n[i]: i.png junk", nil},
		{"definition in code", "![i]\n\n    [i]: i.png", nil},
		{"image in a reference link", "[![](in.png)][logo]" + defs, []wantRef{md("in.png")}},
		{"label with brackets is not a shortcut", "![a [b]]\n\n[a [b]]: x.png", nil},
	})
}

func TestParseHTML(t *testing.T) {
	runParseCases(t, []parseCase{
		{"double quotes", `<img src="https://a.example/a.png">`, []wantRef{tag("src", "https://a.example/a.png")}},
		{"single quotes", `x <img src='a.png'/> y`, []wantRef{tag("src", "a.png")}},
		{"unquoted", `x <img src=a.png> y`, []wantRef{tag("src", "a.png")}},
		{"upper case", `<IMG SRC="a.png" Data-Src="b.png">`, []wantRef{tag("src", "a.png"), tag("data-src", "b.png")}},
		{"all three attributes", `<img class="rich_pages" data-croporisrc="c.png" data-src="d.png" src="s.png" data-ratio="1">`,
			[]wantRef{tag("data-croporisrc", "c.png"), tag("data-src", "d.png"), tag("src", "s.png")}},
		{"entities decoded", `<img src="a?x=1&amp;y=2&#38;z=3&#x26;w=&lt;">`,
			[]wantRef{tag("src", "a?x=1&amp;y=2&#38;z=3&#x26;w=&lt;").means("a?x=1&y=2&z=3&w=<")}},
		{"references without semicolon kept", `<img src="a?x=1&amp=2&copy">`, []wantRef{tag("src", "a?x=1&amp=2&copy")}},
		{"attributes over lines", "text <img\n  alt=\"x\"\n  src=\"m.png\"\n  width=1>", []wantRef{tag("src", "m.png").at(3)}},
		{"empty value skipped", `<img src="" data-src="d.png">`, []wantRef{tag("data-src", "d.png")}},
		{"blanks around value", "<img src=' d.png\t' data-src=\" &#32;\">", []wantRef{tag("src", "d.png")}},
		{"alt attribute", `<img alt="a &amp; b" src="d.png">`, []wantRef{tag("src", "d.png").withAlt("a & b")}},
		{"data url reported", `<img src="data:image/png;base64,AAAA">`, []wantRef{tag("src", "data:image/png;base64,AAAA")}},
		{"other tags", `<imgx src="a.png"> <a src="b.png"> <img alt="c.png">`, nil},
		{"unterminated tag", `<img src="a.png"`, nil},
		{"attribute value with a tag", `<a title="<img src='x.png'>">t</a>`, nil},
		{"html block", "<p align=\"center\">\n  <img src=\"p.png\" />\n</p>", []wantRef{tag("src", "p.png").at(2)}},
		{"markdown in html block is text", "<div>\n![](md.png)\n<img src=\"h.png\">\n</div>", []wantRef{tag("src", "h.png").at(3)}},
		{"html block ends at blank line", "<div>\n\n![](md.png)", []wantRef{md("md.png").at(3)}},
		{"tag alone on a line starts an html block", "<img src=\"a.png\">\n![](b.png)", []wantRef{tag("src", "a.png")}},
		{"pre block", "<pre>\n<img src=\"p.png\">\n</pre>", []wantRef{tag("src", "p.png").at(2)}},
		{"script block", "<script>\nx = '<img src=\"s.png\">';\n\n</script>", nil},
		{"img in alt of image", `![<img src="i.png">](o.png)`, []wantRef{md("o.png")}},
		{"img in link", `[<img src="i.png">](page.html)`, []wantRef{tag("src", "i.png")}},
	})
}

func TestParseContainers(t *testing.T) {
	runParseCases(t, []parseCase{
		{"blockquote", "> ![](q.png)", []wantRef{md("q.png")}},
		{"nested blockquote", "> > ![](q.png)", []wantRef{md("q.png")}},
		{"list item", "- a\n- ![](l.png)", []wantRef{md("l.png").at(2)}},
		{"list item paragraph", "1. a\n\n   ![](l.png)", []wantRef{md("l.png").at(3)}},
		{"four spaces in list item", "- a\n\n    ![](l.png)", []wantRef{md("l.png").at(3)}},
		{"wechat quote list", ">   1. **t:**\n> text ![](w.png)\n>   2. **u:**\n>      ![](v.png)",
			[]wantRef{md("w.png").at(2), md("v.png").at(4)}},
		{"lazy continuation", "> a\nb ![](z.png)", []wantRef{md("z.png").at(2)}},
		{"crlf", "a\r\n\r\n![](c.png)\r\n<img src=\"d.png\">\r\n", []wantRef{md("c.png").at(3), tag("src", "d.png").at(4)}},
	})
}
