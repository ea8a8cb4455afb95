package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/imgmirror/imgmirror/internal/origin"
)

func suiteRateLimit(ctx context.Context, e *env, rep *report) error {
	rate, burst := e.cfg.rate, e.cfg.burst
	rep.section(fmt.Sprintf("Rate-limited origin: %g requests/s, burst %d", rate, burst))
	if err := e.servers(ctx); err != nil {
		return err
	}
	b := e.makeBatch(batchSpec{name: "rl", articles: e.cfg.rateArts, refs: e.cfg.refs, shared: e.cfg.shared})
	defer e.drop(b)
	e.origin.SetRateLimit(rate, burst)
	defer e.origin.SetRateLimit(0, 0)
	ideal := float64(b.unique) / rate
	floor := float64(max(b.unique-burst, 0)) / rate
	rep.notef("Batch: %d articles, %d references, %d distinct images (all fetched from mmbiz.qpic.cn). "+
		"The origin allows %g requests/s with bursts of %d (a token bucket that starts full) and answers requests beyond it with 429 and Retry-After: 1. "+
		"unique_images / rate = %.2f s; with the burst spent at once the floor is (unique_images − burst) / rate = %.2f s. "+
		"The first row is the configuration the goal is about; the others are what was tried to avoid 429s (fresh store prefix each, so every image is fetched).",
		b.articles, b.refs, b.unique, rate, burst, ideal, floor)

	type variant struct {
		flags      string
		rate       float64
		burst      int
		conc       int
		m          *mirrorRun
		violations int
		win, sec   int
		firstLimit string
	}
	vs := []*variant{{rate: rate, burst: burst, conc: e.cfg.concurrency}}
	if e.cfg.rateVariants {
		vs = append(vs, &variant{rate: 0.9 * rate, burst: burst, conc: e.cfg.concurrency})
		if burst > 2 {
			vs = append(vs, &variant{rate: rate, burst: burst - 1, conc: e.cfg.concurrency})
		}
		vs = append(vs, &variant{rate: rate, burst: 1, conc: e.cfg.concurrency})
	}
	t := &table{head: []string{"imgmirror flags", "wall", "wall / (unique/rate)", "origin requests", "origin connections", "429s", "max requests in a 1 s window", "first 429: arrival times (ms after the first request) of it and the requests before it"}}
	for i, v := range vs {
		v.flags = fmt.Sprintf("--rate %g --burst %d --concurrency %d", v.rate, v.burst, v.conc)
		m, err := e.mirror(ctx, b, mirrorOpts{prefix: fmt.Sprintf("ratelimit-%d", i), out: fmt.Sprintf("mirrored-%d", i),
			concurrency: v.conc, rate: v.rate, burst: v.burst})
		if err != nil {
			return err
		}
		v.m, v.violations = m, e.origin.Violations()
		v.win, v.sec = maxPerSecond(m.reqs)
		v.firstLimit = firstLimited(m.reqs, rate, burst)
		t.add("`"+v.flags+"`", secs(m.wall), fmt.Sprintf("%.3f", m.wall.Seconds()/ideal), fmt.Sprint(len(m.reqs)),
			fmt.Sprint(m.conns), fmt.Sprint(v.violations), fmt.Sprint(v.win), v.firstLimit)
	}
	rep.table(t)
	v := vs[0]
	if len(v.m.reqs) > 0 {
		rep.notef("In the first run the first origin request came %s after the process started and the process exited %s after the last one.",
			ms(v.m.reqs[0].Time.Sub(v.m.start)), ms(v.m.end.Sub(v.m.reqs[len(v.m.reqs)-1].Time)))
	}
	rep.goal("ratelimit", fmt.Sprintf("at most rate + burst = %g requests in any second", rate+float64(burst)),
		float64(v.win) <= rate+float64(burst), fmt.Sprintf("max %d in a sliding 1 s window (%d in a wall-clock second)", v.win, v.sec))
	rep.goal("ratelimit", "zero 429s caused by imgmirror", v.violations == 0, fmt.Sprintf("%d", v.violations))
	r := v.m.wall.Seconds() / ideal
	rep.goal("ratelimit", "batch within 5 % of unique_images / rate", r <= 1.05,
		fmt.Sprintf("%s vs %.2f s: %.3f", secs(v.m.wall), ideal, r))
	return nil
}

// firstLimited replays the origin's token bucket over the arrival times and
// describes the first request it refused: its arrival time and those of
// the requests before it, in ms after the first request.
func firstLimited(reqs []origin.Request, rate float64, burst int) string {
	if len(reqs) == 0 {
		return ""
	}
	t0 := reqs[0].Time
	tokens, last := float64(burst), t0
	for i, r := range reqs {
		if r.Time.After(last) {
			tokens = min(float64(burst), tokens+r.Time.Sub(last).Seconds()*rate)
			last = r.Time
		}
		if tokens >= 1 {
			tokens--
			continue
		}
		var at []string
		for j := max(0, i-burst-2); j <= i; j++ {
			at = append(at, fmt.Sprintf("%.0f", float64(reqs[j].Time.Sub(t0).Microseconds())/1000))
		}
		return fmt.Sprintf("#%d at %s ms; requests #%d–#%d at %s", i+1, at[len(at)-1], max(0, i-burst-2)+1, i, strings.Join(at[:len(at)-1], ", "))
	}
	return "none"
}

// maxPerSecond returns the most requests in any sliding one-second window
// [t, t+1s) and in any wall-clock second.
func maxPerSecond(reqs []origin.Request) (window, calendar int) {
	ts := make([]time.Time, len(reqs))
	for i, r := range reqs {
		ts[i] = r.Time
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	j := 0
	for i := range ts {
		for j < len(ts) && ts[j].Sub(ts[i]) < time.Second {
			j++
		}
		window = max(window, j-i)
	}
	per := map[int64]int{}
	for _, t := range ts {
		per[t.Unix()]++
		calendar = max(calendar, per[t.Unix()])
	}
	return window, calendar
}
