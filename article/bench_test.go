package article

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func BenchmarkParse(b *testing.B) {
	src, err := os.ReadFile(filepath.Join(goldenDir, "wechat-sample.md"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(src)
	}
}

// pathological are inputs that make naive Markdown scanners quadratic, as
// a unit repeated many times.
var pathological = map[string]string{
	"open brackets":      "[",
	"open images":        "![",
	"nested brackets":    "[a",
	"close brackets":     "]",
	"open link tails":    "[](a",
	"angle link tails":   "[](<a",
	"titles":             "[](a (",
	"quoted titles":      "[](a \"",
	"backtick runs":      "`a``b",
	"growing backticks":  "",
	"tags":               "<a x=\"",
	"single quoted tags": "<a x='",
	"comments":           "<!--",
	"autolinks":          "<http:a",
	"labels":             "[a][",
	"shortcut labels":    "![a]",
	"blockquotes":        ">",
	"list items":         "- ",
	"lines":              "- a\n  > b\n",
	"entities":           "&amp",
	"escapes":            "\\",
	"nested tails":       "[](a(",
	"balanced tails":     "[](()",
	"escaped titles":     "[](a \"\\\"",
	"deep list, blanks":  "",
	"deep list, indents": "",
}

// pathologicalInput repeats the unit of name to about n bytes; the growing
// backticks are runs of 1, 2, 3... backticks.
func pathologicalInput(name string, n int) []byte {
	switch name {
	case "deep list, blanks":
		return []byte(strings.Repeat("1. ", n/6) + strings.Repeat("\n", n/2))
	case "deep list, indents":
		return []byte(strings.Repeat("1. ", n/6) + "\n" + strings.Repeat(" ", n/2) + "x")
	}
	if name == "growing backticks" {
		var b strings.Builder
		for k := 1; b.Len() < n; k++ {
			b.WriteString(strings.Repeat("`", k%200+1) + "x")
		}
		return []byte(b.String())
	}
	unit := pathological[name]
	return []byte(strings.Repeat(unit, n/len(unit)+1))
}

// TestPathologicalLinear parses 1 MB (128 KB with -race) of each
// pathological input. A linear parser takes milliseconds; a quadratic one
// takes minutes.
func TestPathologicalLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("slow with -short")
	}
	size := 1 << 20
	if raceEnabled {
		size = 128 << 10
	}
	defs := "\n\n[a]: u\n"
	for name := range pathological {
		src := append(pathologicalInput(name, size), defs...)
		start := time.Now()
		Parse(src)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: Parse took %v for %d bytes", name, d, len(src))
		}
	}
}

func BenchmarkPathological(b *testing.B) {
	for name := range pathological {
		src := append(pathologicalInput(name, 64<<10), "\n\n[a]: u\n"...)
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				Parse(src)
			}
		})
	}
}
