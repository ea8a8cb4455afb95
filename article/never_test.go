package article

import "testing"

// TestParseNever checks the places where image syntax must not count. Each
// case ends with an image that must be found, so that a case cannot pass
// by finding nothing at all.
func TestParseNever(t *testing.T) {
	after := func(line int) []wantRef { return []wantRef{md("ok.png").at(line)} }
	runParseCases(t, []parseCase{
		{"backtick fence", "```\n![](x.png)\n```\n![](ok.png)", after(4)},
		{"tilde fence with info", "~~~ markdown {.x}\n![](x.png)\n<img src=\"x.png\">\n~~~\n![](ok.png)", after(5)},
		{"backtick fence with info", "```go\n![](x.png)\n```\n![](ok.png)", after(4)},
		{"shorter fence does not close", "````\n```\n![](x.png)\n````\n![](ok.png)", after(5)},
		{"other fence char does not close", "~~~\n```\n![](x.png)\n~~~\n![](ok.png)", after(5)},
		{"longer fence closes", "```\n![](x.png)\n``````\n![](ok.png)", after(4)},
		{"closing fence with text does not close", "```\n``` x\n![](x.png)\n```\n![](ok.png)", after(5)},
		{"indented fence", "   ```\n![](x.png)\n   ```\n![](ok.png)", after(4)},
		{"fence interrupts a paragraph", "text\n```\n![](x.png)\n```\n![](ok.png)", after(5)},
		{"fence in blockquote ends with it", "> ```\n> ![](x.png)\n\n![](ok.png)", after(4)},
		{"fence in list item", "- a\n\n  ```\n  ![](x.png)\n  ```\n\n![](ok.png)", after(7)},
		{"backticks in backtick info is not a fence", "``` a`b\n![](ok.png)", after(2)},
		{"unclosed fence runs to end", "![](ok.png)\n```\n![](x.png)\n\n![](y.png)", after(1)},
		{"indented code", "![](ok.png)\n\n    ![](x.png)\n    <img src=\"x.png\">", after(1)},
		{"tab-indented code", "![](ok.png)\n\n\t![](x.png)", after(1)},
		{"indented code at start", "    ![](x.png)\n\n![](ok.png)", after(3)},
		{"indented code in list item", "- a\n\n      ![](x.png)\n\n![](ok.png)", after(5)},
		{"indented code in blockquote", ">     ![](x.png)\n\n![](ok.png)", after(3)},
		{"code span", "`![](x.png)` ![](ok.png)", after(1)},
		{"double backtick code span", "`` a ` ![](x.png) `` ![](ok.png)", after(1)},
		{"code span across lines", "`a\n![](x.png)` ![](ok.png)", after(2)},
		{"code span hides html", "`<img src=\"x.png\">` ![](ok.png)", after(1)},
		{"code span hides closing bracket", "![a `]`](ok.png)", after(1)},
		{"unmatched backticks are text", "``a` ![](ok.png)", after(1)},
		{"escaped backtick", "\\`a ![](ok.png) `", after(1)},
		{"inline comment", "a <!-- ![](x.png) --> ![](ok.png)", after(1)},
		{"comment across lines", "a <!-- ![](x.png)\n<img src=\"x.png\"> --> ![](ok.png)", after(2)},
		{"comment block", "<!--\n![](x.png)\n\n<img src=\"x.png\">\n-->\n\n![](ok.png)", after(7)},
		{"short comment", "a <!--> ![](ok.png)", after(1)},
		{"processing instruction", "a <?php ![](x.png) ?> ![](ok.png)", after(1)},
		{"declaration", "a <!DOCTYPE ![](x.png)> ![](ok.png)", after(1)},
		{"cdata", "a <![CDATA[ ![](x.png) ]]> ![](ok.png)", after(1)},
		{"comment block line is html", "<!-- c --> ![](x.png) <img src=\"ok.png\">", []wantRef{tag("src", "ok.png")}},
		{"plain link", "[a](x.png) [b](https://mp.weixin.qq.com/s/x) ![](ok.png)", after(1)},
		{"autolink", "<https://a.example/x.png> ![](ok.png)", after(1)},
		{"bare url", "https://mmbiz.qpic.cn/x/640?wx_fmt=png ![](ok.png)", after(1)},
		{"escaped bang", "\\![a](x.png) ![](ok.png)", after(1)},
		{"escaped bracket", "!\\[a](x.png) ![](ok.png)", after(1)},
	})
}

func TestParseUnclosedComment(t *testing.T) {
	runParseCases(t, []parseCase{
		// An inline <!-- without --> is text; an HTML block runs to the end.
		{"inline", "a <!-- ![](in.png)", []wantRef{md("in.png")}},
		{"block", "<!-- a\n![](x.png)\n\n![](y.png)", nil},
	})
}

func TestParseMeta(t *testing.T) {
	src := "\ufeff  \n文章作者： 作者 A \n# 标题 #\n发布时间 :2024-01-02\n发布地:\t上海\n原文链接: https://mp.weixin.qq.com/s/x\n\n" +
		"封面图链接：//mmbiz.qpic.cn/c/0\n\n正文\n\n文章作者: 不是作者\n\n# 第二个标题\n"
	d := Parse([]byte(src))
	want := Meta{Title: "标题", Author: "作者 A", Published: "2024-01-02", Place: "上海",
		OriginalURL: "https://mp.weixin.qq.com/s/x", Cover: "//mmbiz.qpic.cn/c/0"}
	if d.Meta != want {
		t.Errorf("Meta = %+v\nwant   %+v", d.Meta, want)
	}
	if len(d.Refs) != 1 {
		t.Fatalf("got %d refs, want the cover:\n%s", len(d.Refs), describe([]byte(src), d.Refs))
	}
	if err := cover("//mmbiz.qpic.cn/c/0").at(8).check([]byte(src), d.Refs[0]); err != nil {
		t.Error(err)
	}
}

func TestParseCoverImage(t *testing.T) {
	runParseCases(t, []parseCase{
		{"markdown", "封面图链接：![c](c.png)\n发布地: ![](p.png)", []wantRef{
			{span: "c.png", syntax: SyntaxMarkdown, role: RoleCover}, md("p.png").at(2)}},
		{"html", "封面图链接: <img src=\"c.png\">", []wantRef{{span: "c.png", syntax: SyntaxHTML, role: RoleCover, attr: "src"}}},
	})
}

func TestParseMetaCases(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      Meta
		refs      int
	}{
		{"cover not a url", "封面图链接: 无\n", Meta{Cover: "无"}, 0},
		{"cover https", "封面图链接:HTTPS://a.example/c\n", Meta{Cover: "HTTPS://a.example/c"}, 1},
		{"meta after body is text", "正文\n封面图链接: https://a.example/c\n", Meta{}, 0},
		{"title later in the document", "正文\n\n## 小标题\n\n# Title\n", Meta{Title: "Title"}, 0},
		{"no space is not a heading", "#Title\n", Meta{}, 0},
		{"title in blockquote ignored", "> # Quote\n\n# Real\n", Meta{Title: "Real"}, 0},
		{"label needs a colon", "文章作者 X\n", Meta{}, 0},
		{"crlf", "# T\r\n文章作者: A\r\n封面图链接: https://a.example/c\r\n", Meta{Title: "T", Author: "A", Cover: "https://a.example/c"}, 1},
		{"in code block", "```\n文章作者: A\n```\n", Meta{}, 0},
		{"image on the cover line", "封面图链接: ![c](c.png)\n", Meta{Cover: "![c](c.png)"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Parse([]byte(tc.src))
			if d.Meta != tc.want {
				t.Errorf("Meta = %+v, want %+v", d.Meta, tc.want)
			}
			if len(d.Refs) != tc.refs {
				t.Errorf("got %d refs, want %d", len(d.Refs), tc.refs)
			}
		})
	}
}
