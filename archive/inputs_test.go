package archive

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCollectInputsKeepsOutputsInsideOut(t *testing.T) {
	root := t.TempDir()
	work := filepath.Join(root, "work")
	for _, f := range []string{"work/a.md", "work/docs/b.md", "work/docs/.hidden/c.md", "work/mirrored/old.md", "outside.md", "work/docs/notes.txt"} {
		p := filepath.Join(root, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("# x\n"), 0o644)
	}
	t.Chdir(work)
	ins, err := CollectInputs([]string{"a.md", ".", "../outside.md", filepath.Join(root, "work", "docs", "b.md")}, strings.NewReader(""), "mirrored")
	if err == nil {
		t.Fatalf("two inputs mapping to the same output accepted: %+v", ins)
	}
	ins, err = CollectInputs([]string{"a.md", "docs", "../outside.md"}, strings.NewReader(""), "mirrored")
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, in := range ins {
		rels = append(rels, in.Rel)
		if !filepath.IsLocal(filepath.FromSlash(in.Rel)) {
			t.Errorf("%s maps to %q, outside the output directory", in.Source, in.Rel)
		}
	}
	if got := strings.Join(rels, " "); got != "a.md docs/b.md outside.md" {
		t.Errorf("outputs %q, want a.md docs/b.md outside.md", got)
	}
	ins, err = CollectInputs([]string{"."}, strings.NewReader(""), "mirrored")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if strings.Contains(in.Rel, "mirrored/") || strings.Contains(in.Rel, ".hidden") {
			t.Errorf("walked into %s", in.Rel)
		}
	}
	if _, err := CollectInputs([]string{"missing.md"}, strings.NewReader(""), "mirrored"); err == nil || !strings.Contains(err.Error(), "missing.md") {
		t.Errorf("missing input: %v", err)
	}
}
