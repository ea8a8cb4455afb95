package archive

import (
	"context"
	"fmt"
)

// plan prints what a run would do for docs, reading the URL index but
// writing nothing, and reports each article as a dry run.
func (r *runner) plan(ctx context.Context, docs []*doc, jobs []*job) {
	cached := map[string]bool{}
	for _, j := range jobs {
		rec, err := r.im.lookup(ctx, j.normalized)
		cached[j.normalized] = err == nil && rec != nil && !r.opts.Force
	}
	w := r.opts.DryRunTo
	for _, d := range docs {
		a := ArticleReport{Source: d.in.Source, Title: d.parsed.Meta.Title, Status: ArticleDryRun}
		a.Output, _ = r.outPath(d.in.Rel)
		fmt.Fprintf(w, "article %s -> %s\n", d.in.Source, a.Output)
		for i, ref := range d.parsed.Refs {
			a.Counts.Images++
			key := d.keys[i]
			switch {
			case key == "":
				a.Counts.Skipped++
				fmt.Fprintf(w, "  skip    %d %s (%s)\n", ref.Line, ref.URL, d.skip[i])
			case cached[key]:
				fmt.Fprintf(w, "  cached  %d %s\n", ref.Line, ref.URL)
			default:
				fmt.Fprintf(w, "  fetch   %d %s\n", ref.Line, ref.URL)
			}
		}
		r.rep.add(a)
	}
	for _, j := range jobs {
		r.rep.Totals.Unique++
		if cached[j.normalized] {
			r.rep.Totals.Reused++
		}
	}
}
