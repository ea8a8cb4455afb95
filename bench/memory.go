package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

func suiteMemory(ctx context.Context, e *env, rep *report) error {
	rep.section("Memory: peak RSS with large images")
	if err := e.servers(ctx); err != nil {
		return err
	}
	p := e.pool
	if err := p.memoryImages(); err != nil {
		return err
	}
	var extra []poolImage
	var desc []string
	for _, im := range []*poolImage{p.largeJPEG, p.largeWebP, p.largeGIF} {
		if im == nil {
			continue
		}
		for range e.cfg.memLarge {
			extra = append(extra, *im)
		}
		desc = append(desc, fmt.Sprintf("%s (%dx%d, %s)", im.name, im.w, im.h, mib(int64(len(im.data)))))
	}
	b := e.makeBatch(batchSpec{name: "mem", articles: e.cfg.memArts, refs: e.cfg.refs, shared: e.cfg.shared, extra: extra})
	defer e.drop(b)
	rep.notef("Batch: %d articles, %d references, %d distinct images (%s), among them %d copies (distinct bytes) of each of: %s.",
		b.articles, b.refs, b.unique, mib(b.bytes), e.cfg.memLarge, strings.Join(desc, ", "))
	for _, n := range p.notes {
		rep.notef("Note: %s.", n)
	}
	rep.notef("Peak RSS is the ru_maxrss of the imgmirror process. It is started by a small helper process, because a child forked " +
		"from the benchmark itself (which holds every image the origin serves) would report the benchmark's peak RSS as its own (bench/spawner.go).")
	t := &table{head: []string{"--concurrency", "peak RSS (max of runs)", "peak RSS of each run", "wall (median)", "CPU (median)", "images", "failed"}}
	var at8 int64 = -1
	worst := int64(0)
	for _, c := range e.cfg.memConc {
		peak, err := memRuns(ctx, e, b, t, c, fmt.Sprint(c), fmt.Sprintf("c%d", c), nil)
		if err != nil {
			return err
		}
		if c == 8 {
			at8 = peak
		}
		worst = max(worst, peak)
	}
	if lim := e.cfg.memTryLimit; lim != "" {
		// Tried: a soft memory limit for the Go runtime, set from outside.
		if _, err := memRuns(ctx, e, b, t, 8, "8, with GOMEMLIMIT="+lim+" (tried)", "lim", []string{"GOMEMLIMIT=" + lim}); err != nil {
			return err
		}
	}
	rep.table(t)

	// Which images drive the peak: one batch per kind of large image.
	bt := &table{head: []string{"batch (--concurrency 8)", "distinct images", "peak RSS", "wall", "CPU"}}
	kinds := []struct {
		name string
		im   *poolImage
	}{{"regular images only", nil}, {"large JPEG", p.largeJPEG}, {"large WebP", p.largeWebP}, {"large GIF", p.largeGIF}}
	for i, k := range kinds {
		var ex []poolImage
		refs := e.cfg.refs
		if k.im != nil {
			for range e.cfg.memLarge {
				ex = append(ex, *k.im)
			}
			refs = 1
		} else if k.name != "regular images only" {
			continue
		}
		kb := e.makeBatch(batchSpec{name: fmt.Sprintf("memk%d", i), articles: e.cfg.memLarge, refs: refs, shared: 0, extra: ex})
		m, err := e.mirror(ctx, kb, mirrorOpts{prefix: fmt.Sprintf("memk-%d", i), out: "mirrored", concurrency: 8,
			rate: e.cfg.freeRate, burst: int(min(e.cfg.freeRate, 1000))})
		e.drop(kb)
		if err != nil {
			return err
		}
		label := k.name
		if k.im != nil {
			label = fmt.Sprintf("%d× %s (%s) + %d small covers", e.cfg.memLarge, k.name, mib(int64(len(k.im.data))), e.cfg.memLarge)
		}
		bt.add(label, fmt.Sprint(kb.unique), mib(m.maxRSS), secs(m.wall), secs(m.cpu()))
	}
	rep.table(bt)
	if at8 >= 0 {
		rep.goal("memory", "peak RSS ≤ 200 MiB at --concurrency 8", at8 <= 200<<20,
			fmt.Sprintf("%s, the largest of %d runs", mib(at8), e.cfg.memReps))
	}
	rep.notef("Largest peak RSS over all concurrency levels: %s.", mib(worst))
	return nil
}

// memRuns archives b -mem-reps times at concurrency c (each into a fresh
// prefix) and adds a row; it returns the largest peak RSS.
func memRuns(ctx context.Context, e *env, b *batch, t *table, c int, label, tag string, env []string) (int64, error) {
	saved := e.cfg.childEnv
	e.cfg.childEnv = append(append([]string(nil), saved...), env...)
	defer func() { e.cfg.childEnv = saved }()
	var runs []*mirrorRun
	for i := range e.cfg.memReps {
		m, err := e.mirror(ctx, b, mirrorOpts{prefix: fmt.Sprintf("mem-%s-%d", tag, i), out: fmt.Sprintf("mirrored-%s-%d", tag, i),
			concurrency: c, rate: e.cfg.freeRate, burst: int(min(e.cfg.freeRate, 1000))})
		if err != nil {
			return 0, err
		}
		runs = append(runs, m)
	}
	var peak int64
	var each []string
	for _, m := range runs {
		peak = max(peak, m.maxRSS)
		each = append(each, fmt.Sprintf("%.0f", float64(m.maxRSS)/(1<<20)))
	}
	slices.SortFunc(runs, func(a, b *mirrorRun) int { return int(a.wall - b.wall) })
	med := runs[len(runs)/2]
	t.add(label, mib(peak), strings.Join(each, ", ")+" MiB", secs(med.wall), secs(med.cpu()),
		fmt.Sprint(med.totals.Fetched), fmt.Sprint(med.totals.Failed))
	return peak, nil
}
