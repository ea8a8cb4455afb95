package archive

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Input is one article to archive.
type Input struct {
	Source string // path as given (or "-" for stdin), for messages and the manifest
	Rel    string // slash-separated output path relative to the output directory
	Data   []byte // nil until loaded (stdin is loaded at once)
}

// CollectInputs expands PATH arguments: a file is itself, a directory is
// every *.md below it (hidden directories skipped), "-" is stdin (named
// stdin.md). Output paths keep the input's relative path when it is local
// (inside the working directory) and fall back to the path below the
// directory argument, or the base name, otherwise.
func CollectInputs(args []string, stdin io.Reader, exclude ...string) ([]Input, error) {
	var out []Input
	seen := map[string]bool{}
	add := func(in Input) error {
		if seen[in.Rel] {
			return fmt.Errorf("%s: two inputs map to the same output %s", in.Source, in.Rel)
		}
		seen[in.Rel] = true
		out = append(out, in)
		return nil
	}
	for _, a := range args {
		if a == "-" {
			b, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("stdin: %w", err)
			}
			if err := add(Input{Source: "-", Rel: "stdin.md", Data: b}); err != nil {
				return nil, err
			}
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", a, err)
		}
		if !st.IsDir() {
			if err := add(Input{Source: a, Rel: relFor(a, "", filepath.Base(a))}); err != nil {
				return nil, err
			}
			continue
		}
		files, err := walkMarkdown(a, exclude)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			below, _ := filepath.Rel(a, f)
			if err := add(Input{Source: f, Rel: relFor(f, a, below)}); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no articles found in %s", strings.Join(args, " "))
	}
	return out, nil
}

// relFor picks the output path of file p: p itself when it is a local
// relative path, else fallback (under the base name of dir, if any).
func relFor(p, dir, fallback string) string {
	if clean := filepath.Clean(p); !filepath.IsAbs(clean) && filepath.IsLocal(clean) {
		return filepath.ToSlash(clean)
	}
	if dir != "" {
		if base := filepath.Base(filepath.Clean(dir)); filepath.IsLocal(base) {
			return filepath.ToSlash(filepath.Join(base, fallback))
		}
	}
	return filepath.ToSlash(fallback)
}

// walkMarkdown lists the *.md files below dir, skipping hidden directories
// and the directories in exclude (the output directory and the file store,
// which may sit inside the input tree).
func walkMarkdown(dir string, exclude []string) ([]string, error) {
	skip := map[string]bool{}
	for _, e := range exclude {
		if abs, err := filepath.Abs(e); err == nil {
			skip[abs] = true
		}
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("input %s: %w", p, err)
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			if abs, err := filepath.Abs(p); err == nil && skip[abs] {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.EqualFold(filepath.Ext(name), ".md") && !strings.HasPrefix(name, ".") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// load reads the input's bytes unless already loaded.
func (in *Input) load() error {
	if in.Data != nil {
		return nil
	}
	b, err := os.ReadFile(in.Source)
	if err != nil {
		return fmt.Errorf("input %s: %w", in.Source, err)
	}
	in.Data = b
	return nil
}
