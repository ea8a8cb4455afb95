package main

import (
	"context"
	"fmt"
)

func suiteScaling(ctx context.Context, e *env, rep *report) error {
	rep.section("Scaling: batches of increasing size")
	if err := e.servers(ctx); err != nil {
		return err
	}
	rep.notef("Every batch is new (fresh images, fresh store prefix), generated like the e2e batch; `--concurrency %d --rate %g`, origin latency %s. "+
		"The last row archives copies of the smallest batch's articles: the same images, many more references.",
		e.cfg.concurrency, e.cfg.freeRate, e.cfg.latency)
	t := &table{head: []string{"articles", "references", "distinct images", "wall", "CPU", "wall per distinct image", "CPU per distinct image", "CPU per reference", "peak RSS", "S3 PUTs", "S3 GETs"}}
	var first *batch
	var firstRun *mirrorRun
	var perImg []float64
	for _, n := range e.cfg.scaling {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b := e.makeBatch(batchSpec{name: fmt.Sprintf("s%d", n), articles: n, refs: e.cfg.refs, shared: e.cfg.shared})
		logf("scaling batch %d: %d references, %d distinct images", n, b.refs, b.unique)
		m, err := e.mirror(ctx, b, mirrorOpts{prefix: fmt.Sprintf("scale-%d", n), out: "mirrored", concurrency: e.cfg.concurrency,
			rate: e.cfg.freeRate, burst: int(min(e.cfg.freeRate, 1000))})
		if err != nil {
			return err
		}
		scalingRow(t, b, m, "")
		perImg = append(perImg, m.cpu().Seconds()/float64(b.unique))
		if first == nil {
			first, firstRun = b, m
		} else {
			e.drop(b)
		}
	}
	if first != nil {
		copies := e.cfg.copies
		c, err := e.copyArticles(first, fmt.Sprintf("s%dx%d", first.articles, copies), copies)
		if err != nil {
			return err
		}
		m, err := e.mirror(ctx, c, mirrorOpts{prefix: fmt.Sprintf("scale-%dx%d", first.articles, copies), out: "mirrored",
			concurrency: e.cfg.concurrency, rate: e.cfg.freeRate, burst: int(min(e.cfg.freeRate, 1000))})
		if err != nil {
			return err
		}
		scalingRow(t, c, m, fmt.Sprintf(" (%d× the %d)", copies, first.articles))
		e.drop(first)
		rep.table(t)
		extra := m.cpu().Seconds()/firstRun.cpu().Seconds() - 1
		rep.notef("The %d× copies reference the same %d images %d times as often; imgmirror reads the URL index (one S3 GET per distinct image) "+
			"once per chunk of 100 articles that references the image.", copies, first.unique, copies)
		rep.goal("scaling", "repeated references cost little: CPU of the copies ≤ 110 % of the original batch's", extra <= 0.10,
			fmt.Sprintf("%s vs %s: %+.0f %%, %d vs %d S3 GETs", secs(m.cpu()), secs(firstRun.cpu()), 100*extra, m.s3["GET"], firstRun.s3["GET"]))
	} else {
		rep.table(t)
	}
	if len(perImg) > 1 {
		lo, hi := perImg[0], perImg[0]
		for _, v := range perImg {
			lo, hi = min(lo, v), max(hi, v)
		}
		rep.notef("CPU per distinct image varies by %.0f %% across batch sizes (%.1f–%.1f ms).", 100*(hi-lo)/lo, 1000*lo, 1000*hi)
	}
	return nil
}

func scalingRow(t *table, b *batch, m *mirrorRun, label string) {
	t.add(fmt.Sprintf("%d%s", b.articles, label), fmt.Sprint(b.refs), fmt.Sprint(b.unique), secs(m.wall), secs(m.cpu()),
		ms(m.wall/timeDiv(b.unique)), ms(m.cpu()/timeDiv(b.unique)), ms(m.cpu()/timeDiv(b.refs)), mib(m.maxRSS),
		fmt.Sprint(m.puts()), fmt.Sprint(m.s3["GET"]))
}
