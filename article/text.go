package article

import (
	"html"
	"strings"
	"unicode/utf8"
)

// Text returns how newURL must be written in the place of r (that is, in
// place of src[r.Start:r.End]) so that it means newURL in that syntax.
//
// For SyntaxHTML it is escaped as an attribute value (& < > " ' `, CR and
// LF become character references); an unquoted value is replaced by a
// quoted one.
//
// For Markdown destinations (SyntaxMarkdown, SyntaxReference) it is written
// so that it stays one destination with the same meaning: inside <...> when
// the original used that form, or when newURL holds spaces, control
// characters, parentheses or < >; backslashes, and ampersands that would
// start a character reference, are backslash-escaped; line breaks and
// backticks (which could close a code span) are percent-encoded. An empty
// newURL is written as <>.
//
// For the cover line newURL is written as is, except that line breaks, and
// spaces and tabs at either end, are percent-encoded.
//
// For a Ref built by hand rather than by Parse, the form of the original is
// unknown; Text then writes Markdown destinations with backslash escapes
// that are valid both inside and outside <...>, and HTML values as for a
// quoted attribute.
func (r Ref) Text(newURL string) string {
	switch r.Syntax {
	case SyntaxHTML:
		v := escapeAttr(newURL)
		if r.delim == 'u' {
			return `"` + v + `"`
		}
		return v
	case SyntaxMarkdown, SyntaxReference:
		return destText(newURL, r.delim)
	}
	return coverText(newURL)
}

// attrEscaper escapes what html.EscapeString does, plus backticks (which
// could close a code span opened before the tag) and line breaks (after
// which a line could start a new block).
var attrEscaper = strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;",
	"`", "&#96;", "\n", "&#10;", "\r", "&#13;")

// escapeAttr escapes s for a quoted HTML attribute value.
func escapeAttr(s string) string {
	return attrEscaper.Replace(s)
}

// destText writes u as a Markdown link destination; delim is '<' inside
// angle brackets, 'b' for a bare destination, 0 if unknown.
func destText(u string, delim byte) string {
	switch {
	case delim == '<':
		return escapeDest(u, "<>")
	case u == "":
		return "<>"
	case delim == 0:
		return escapeDest(u, "()<> ")
	case strings.ContainsAny(u, "()<> \x7f") || strings.IndexFunc(u, isControl) >= 0:
		return "<" + escapeDest(u, "<>") + ">"
	}
	return escapeDest(u, "")
}

// escapeDest backslash-escapes backslashes, the bytes in special and any
// '&' that would start a character reference, and percent-encodes line
// breaks, backticks, and controls and spaces if special holds a space (they
// can appear in <...> but not in a bare destination). A trailing '-' is
// escaped so that the text cannot end an HTML comment with a closing '>'.
func escapeDest(u, special string) string {
	var b strings.Builder
	space := strings.IndexByte(special, ' ') >= 0
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c == '\n' || c == '\r' || c == '`' || space && (c <= ' ' || c == 0x7f):
			b.WriteString(percent(c))
		case c == '\\' || c != ' ' && strings.IndexByte(special, c) >= 0,
			c == '&' && entityLen(u[i:]) > 0,
			c == '-' && i == len(u)-1:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// coverText writes u for the value of the cover line.
func coverText(u string) string {
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		edge := i == 0 || i == len(u)-1
		if c == '\n' || c == '\r' || edge && (c == ' ' || c == '\t') {
			b.WriteString(percent(c))
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func percent(c byte) string {
	const hex = "0123456789ABCDEF"
	return string([]byte{'%', hex[c>>4], hex[c&15]})
}

// entityLen returns the length of the character reference that s starts
// with (&name; &#123; &#x1F;), or 0.
func entityLen(s string) int {
	if len(s) < 3 || s[0] != '&' {
		return 0
	}
	i, max, ok := 1, 32, isAlnum
	if s[1] == '#' {
		i, max, ok = 2, 7, isDigit
		if len(s) > 2 && s[2]|0x20 == 'x' {
			i, max, ok = 3, 6, isHex
		}
	} else if !isAlpha(s[1]) {
		return 0
	}
	j := i
	for j < len(s) && j-i < max && ok(s[j]) {
		j++
	}
	if j == i || j >= len(s) || s[j] != ';' {
		return 0
	}
	return j + 1
}

func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// decodeHTML decodes the character references in an HTML attribute value.
// References without the final ';' are left alone.
func decodeHTML(b []byte) string {
	return decode(b, false)
}

// decodeDest decodes a Markdown link destination: backslash escapes and
// character references.
func decodeDest(b []byte) string {
	return decode(b, true)
}

func decode(b []byte, backslash bool) string {
	s := string(b)
	var out strings.Builder
	done := 0 // s[:done] is in out
	for i := 0; i < len(s); i++ {
		n, text := 0, ""
		switch {
		case backslash && s[i] == '\\' && i+1 < len(s) && isPunct(s[i+1]):
			n, text = 2, s[i+1:i+2]
		case s[i] == '&':
			if n = entityLen(s[i:]); n > 0 {
				text = unescapeEntity(s[i : i+n])
			}
		}
		if n == 0 {
			continue
		}
		out.WriteString(s[done:i])
		out.WriteString(text)
		done = i + n
		i += n - 1
	}
	if done == 0 {
		return s
	}
	out.WriteString(s[done:])
	return out.String()
}

// unescapeEntity decodes one complete character reference. A name that is
// not an entity is left alone; html.UnescapeString would decode a legacy
// prefix of it (&ampx; to &x;), which leaves three or more runes, while
// every entity decodes to at most two.
func unescapeEntity(ref string) string {
	s := html.UnescapeString(ref)
	if utf8.RuneCountInString(s) > 2 {
		return ref
	}
	return s
}

// isControl reports whether r is a control character that needs <...> in a
// destination; line breaks are percent-encoded instead.
func isControl(r rune) bool { return r < ' ' && r != '\n' && r != '\r' }
