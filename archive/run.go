package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/imgmirror/imgmirror/article"
	"github.com/imgmirror/imgmirror/fetch"
	"github.com/imgmirror/imgmirror/imgurl"
	"github.com/imgmirror/imgmirror/storage"
)

// chunk is how many articles are parsed and archived together: images
// shared within a chunk are fetched once in parallel, later chunks find
// them in the URL index; memory stays bounded for any corpus size.
const chunk = 100

// job is one normalized URL to archive and the URLs to try for it.
type job struct {
	normalized string
	urls       []string
	out        outcome
}

// doc is one parsed article of the current chunk.
type doc struct {
	in     Input
	parsed *article.Doc
	sum    string
	keys   []string // per ref: normalized URL, "" when skipped
	skip   []string // per ref: why it is skipped
}

// Run archives inputs and returns the report. Its error is non-nil only
// when the run could not start: a *StoreError when the store is unusable.
// Interruption (ctx cancelled) is reported in Report.Interrupted.
func Run(ctx context.Context, opts Options, inputs []Input) (*Report, error) {
	opts.setDefaults()
	rep := &Report{Version: opts.Version, Store: opts.StoreName, Started: time.Now().UTC(), DryRun: opts.DryRun}
	if c, ok := opts.Store.(storage.Checker); ok {
		if err := c.Check(ctx); err != nil {
			return nil, &StoreError{Store: opts.StoreName, Err: err}
		}
	}
	f, err := fetch.New(opts.Fetch)
	if err != nil {
		return nil, err
	}
	r := &runner{opts: &opts, rep: rep, im: newImager(&opts, f)}
	for i := 0; i < len(inputs) && ctx.Err() == nil; i += chunk {
		r.runChunk(ctx, inputs[i:min(i+chunk, len(inputs))])
	}
	rep.Interrupted = ctx.Err() != nil
	rep.Finished = time.Now().UTC()
	rep.DurationSeconds = rep.Finished.Sub(rep.Started).Seconds()
	return rep, nil
}

type runner struct {
	opts *Options
	rep  *Report
	im   *imager
}

func (r *runner) runChunk(ctx context.Context, inputs []Input) {
	var docs []*doc
	jobs := map[string]*job{}
	var order []*job
	for _, in := range inputs {
		d, rep := r.prepare(ctx, in)
		if rep != nil {
			r.rep.add(*rep)
			r.progress(*rep)
			continue
		}
		docs = append(docs, d)
		for i, ref := range d.parsed.Refs {
			if d.keys[i] == "" {
				continue
			}
			j := jobs[d.keys[i]]
			if j == nil {
				j = &job{normalized: d.keys[i]}
				jobs[d.keys[i]] = j
				order = append(order, j)
			}
			j.urls = appendCandidates(j.urls, ref.URL, r.opts.AsWritten)
		}
	}
	if r.opts.DryRun {
		r.plan(ctx, docs, order)
		return
	}
	r.archiveAll(ctx, order)
	r.writeAll(ctx, docs, jobs)
}

// writeAll writes the chunk's articles, several at once (each write waits
// on fsyncs and store round trips), and reports them in input order.
func (r *runner) writeAll(ctx context.Context, docs []*doc, jobs map[string]*job) {
	reps := make([]ArticleReport, len(docs))
	var g errgroup.Group
	g.SetLimit(r.opts.Concurrency)
	for i, d := range docs {
		g.Go(func() error {
			reps[i] = r.write(ctx, d, jobs)
			return nil
		})
	}
	g.Wait()
	for _, a := range reps {
		r.rep.add(a)
		r.progress(a)
	}
}

// prepare loads and parses an input. A non-nil report means the article
// needs no further work (unchanged, or unreadable).
func (r *runner) prepare(ctx context.Context, in Input) (*doc, *ArticleReport) {
	if err := in.load(); err != nil {
		return nil, &ArticleReport{Source: in.Source, Status: ArticleError, Error: err.Error()}
	}
	sum := sha256.Sum256(in.Data)
	d := &doc{in: in, parsed: article.Parse(in.Data), sum: hex.EncodeToString(sum[:])}
	if !r.opts.Force && !r.opts.DryRun {
		if a := r.unchanged(ctx, d); a != nil {
			return nil, a
		}
	}
	for _, ref := range d.parsed.Refs {
		key, why := r.classify(ref.URL)
		d.keys = append(d.keys, key)
		d.skip = append(d.skip, why)
	}
	return d, nil
}

// classify returns the normalized URL of an image to mirror, or why not.
func (r *runner) classify(raw string) (key, why string) {
	u, err := imgurl.Parse(raw)
	if err != nil {
		return "", err.Error()
	}
	if !r.opts.Allow.Allowed(u) {
		return "", "host " + u.Hostname() + " not on the allow-list"
	}
	key, err = imgurl.Normalize(raw)
	if err != nil {
		return "", err.Error()
	}
	return key, ""
}

func appendCandidates(urls []string, raw string, asWritten bool) []string {
	cands, _ := imgurl.Candidates(raw, asWritten)
	for _, c := range cands {
		if !slices.Contains(urls, c) {
			urls = append(urls, c)
		}
	}
	return urls
}

// archiveAll archives every job, with bounded concurrency; fetches and
// thumbnailing have their own limits inside the imager, so a slot held by
// thumbnailing never idles the fetchers.
func (r *runner) archiveAll(ctx context.Context, jobs []*job) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2*r.opts.Concurrency + r.opts.ThumbProcs)
	var mu sync.Mutex
	for _, j := range jobs {
		g.Go(func() error {
			start := time.Now()
			out := r.im.archive(gctx, j.normalized, j.urls)
			mu.Lock()
			j.out = out
			r.tally(out)
			mu.Unlock()
			r.logImage(j, out, time.Since(start))
			return nil
		})
	}
	_ = g.Wait()
}

func (r *runner) tally(o outcome) {
	if o.again {
		return // counted in an earlier chunk
	}
	t := &r.rep.Totals
	t.Unique++
	switch {
	case o.err != nil && o.storeErr:
		t.StoreErrors++
	case o.err != nil:
	case o.reused:
		t.Reused++
	default:
		t.Fetched++
		t.BytesFetched += o.rec.Bytes
	}
}

func (r *runner) logImage(j *job, o outcome, d time.Duration) {
	attrs := []any{slog.String("url", j.urls[0]), slog.Duration("duration", d), slog.Int("attempts", o.attempts)}
	switch {
	case o.err != nil:
		r.opts.Logger.Warn("image failed", append(attrs, slog.String("status", "failed"), slog.String("error", o.err.Error()))...)
	case o.reused:
		r.opts.Logger.Info("image", append(attrs, slog.String("status", "cached"), slog.Int64("bytes", o.rec.Bytes), slog.String("key", o.rec.Key))...)
	default:
		r.opts.Logger.Info("image", append(attrs, slog.String("status", "archived"), slog.Int64("bytes", o.rec.Bytes), slog.String("key", o.rec.Key))...)
	}
}

func (r *runner) progress(a ArticleReport) {
	if r.opts.OnArticle != nil {
		defer r.opts.OnArticle(a)
	}
	c := a.Counts
	switch a.Status {
	case ArticleError:
		fmt.Fprintf(r.opts.Progress, "error     %s: %s\n", a.Source, a.Error)
	case ArticleUnchanged:
		fmt.Fprintf(r.opts.Progress, "unchanged %s\n", a.Source)
	default:
		fmt.Fprintf(r.opts.Progress, "%-9s %s -> %s (%d images: %d archived, %d failed, %d skipped)\n",
			a.Status, a.Source, a.Output, c.Images, c.Archived, c.Failed, c.Skipped)
		for _, f := range a.Failures {
			fmt.Fprintf(r.opts.Progress, "  failed  %s:%d: %s: %s\n", a.Source, f.Line, f.URL, f.Error)
		}
	}
}

// errInterrupted marks images not archived because the run was stopped.
var errInterrupted = errors.New("interrupted before this image was archived")
