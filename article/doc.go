// Package article finds the image references in a WeChat article saved as
// Markdown and rewrites them in place.
//
// Parse reads the metadata header (title, author, publish time, place,
// original link and cover image) and returns every image reference with the
// exact byte span of its URL in the source. Rewrite then replaces those spans
// and leaves every other byte untouched, and Ref.Text says how a new URL
// must be written in the place of an old one so that it keeps its meaning.
//
// # What counts as an image
//
// Parse follows CommonMark where it matters and is pragmatic elsewhere.
// It reports:
//
//   - the cover line of the header, `封面图链接: URL` (Role cover, Syntax cover),
//     when its value starts with http://, https:// or //;
//   - inline images: ![alt](url), ![alt](url "title"), ![alt](<url>), also
//     inside links ([![](img)](page)), blockquotes and list items
//     (Syntax markdown);
//   - reference images ![alt][ref], ![alt][] and ![ref]: the Ref points at the
//     URL of the matching `[ref]: url` definition, once per definition
//     (Syntax reference);
//   - raw HTML <img> tags: each non-empty src, data-src or data-croporisrc
//     attribute (Syntax html), with HTML character references decoded.
//
// It never reports anything in fenced or indented code blocks, code spans,
// HTML comments, processing instructions, declarations and CDATA sections,
// <script>, <style> and <textarea> blocks, link destinations and titles,
// autolinks or bare URLs (so plain links, such as those to
// mp.weixin.qq.com articles, are not images). As in CommonMark, Markdown
// image syntax inside an HTML block is text, and an image in the alt text
// of another image is alt text; <img> tags inside HTML blocks are reported.
// Markdown images with an empty destination are skipped, as are <img>
// attribute values that are empty or blank; every other URL, whatever its
// scheme or host (data: included), is reported and left to the caller to
// filter.
//
// The metadata lines (文章作者, 发布时间, 发布地, 原文链接, 封面图链接, with an ASCII
// or full-width colon) are read from the top of the document: before and
// after the first-level title, up to the first line that is neither blank,
// a metadata line nor the title. If the cover line's value is not a URL,
// images written in it (![](url) or <img>) are reported with Role cover.
//
// Ref.URL is the URL as meant: backslash escapes and character references
// decoded in Markdown destinations; character references decoded, and
// whitespace at the ends dropped, in HTML attributes (references without
// their final ';' are kept as written).
//
// Limits: link reference definitions must fit on one line (a destination
// or title on the next line is not recognized); setext headings do not
// give the title; label matching folds case with strings.ToLower and
// strings.ToUpper rather than full Unicode case folding. Only \n ends a
// line (with a \r before it dropped from the line); a leading UTF-8 byte
// order mark is ignored.
//
// Parsing is a forward scan over the bytes; it never fails, never panics
// and takes time linear in the input: nested or unclosed constructs are
// matched with stacks and memoized searches, not by backtracking.
package article
