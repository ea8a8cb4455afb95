package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// userScript is what a user would write instead of imgmirror: find every
// image of the articles (deduplicated by WeChat image id, as a careful user
// would), download each once with curl, 8 at a time, make 320 and 640 px
// thumbnails with vipsthumbnail on every core, and upload originals and
// thumbnails with the AWS CLI. It writes no rewritten articles and no
// manifests, which imgmirror does on top.
const userScript = `#!/usr/bin/env bash
set -euo pipefail
: "${PROXY:?}" "${CA:?}" "${S3:?}" "${DEST:?}" "${P:?}" "${AWS:?}"
step() { echo "STEP $1 $(date +%s.%N)"; }
mkdir -p work/img work/thumb/320 work/thumb/640

step urls
grep -rhoE 'https?://mmbiz\.q(pic|logo)\.cn/[A-Za-z0-9_]+/[A-Za-z0-9_-]+' articles \
  | sed -E 's#^https?://mmbiz\.q(pic|logo)\.cn/##' | sort -u > keys.txt

step download
xargs -P "$P" -I{} curl -sS --fail --retry 3 --proxy "$PROXY" --cacert "$CA" --create-dirs \
  -o "work/img/{}" "https://mmbiz.qpic.cn/{}/0" < keys.txt

step thumbnails
if [ -z "${BATCHED:-}" ]; then
  # two vipsthumbnail runs per image, one image per core at a time
  find work/img -type f | xargs -P "$(nproc)" -I{} sh -c '
    vipsthumbnail "$1" -s 320x -o "$2/work/thumb/320/%s.jpg[Q=82]" &&
    vipsthumbnail "$1" -s 640x -o "$2/work/thumb/640/%s.jpg[Q=82]"' _ {} "$PWD"
else
  # the expert's variant: 64 images per vipsthumbnail run
  for w in 320 640; do
    find work/img -type f -print0 | xargs -0 -n 64 -P "$(nproc)" vipsthumbnail -s "${w}x" -o "$PWD/work/thumb/$w/%s.jpg[Q=82]"
  done
fi

step upload
"$AWS" --endpoint-url "$S3" s3 sync work "$DEST" --only-show-errors

step done
`

// scriptRun is one run of userScript.
type scriptRun struct {
	*proc
	steps   [][2]string // step name, duration
	objects int
	bytes   int64
	s3      map[string]int
	origin  int
	conns   int
}

// runScript runs userScript over the batch's articles into prefix;
// batched selects the variant that passes many images to each
// vipsthumbnail run.
func (e *env) runScript(ctx context.Context, b *batch, prefix string, batched bool) (*scriptRun, error) {
	for _, t := range []*tool{e.tools.bash, e.tools.curl, e.tools.xargs, e.tools.vips, e.tools.aws} {
		if !t.ok() {
			return nil, fmt.Errorf("the user script needs %s: install it with `%s`", t.name, t.hint)
		}
	}
	script := filepath.Join(b.dir, "mirror.sh")
	if err := os.WriteFile(script, []byte(userScript), 0o755); err != nil {
		return nil, err
	}
	os.RemoveAll(filepath.Join(b.dir, "work"))
	env := append(cleanEnv(), "HOME="+filepath.Join(e.tmp, "home"),
		"PROXY="+e.proxyURL, "CA="+e.caFile, "S3="+e.s3.url, "DEST=s3://bench/"+prefix,
		"P="+strconv.Itoa(e.cfg.xargsP), "AWS="+e.tools.aws.path)
	env = append(env, e.minio.awsEnv(e.tmp)...)
	if batched {
		env = append(env, "BATCHED=1")
	}
	e.origin.Reset()
	before, conns := e.s3.counts(), len(e.proxy.Targets())
	p, err := runProc(ctx, b.dir, env, e.tools.bash.path, script)
	if err != nil {
		return nil, err
	}
	r := &scriptRun{proc: p, s3: delta(before, e.s3.counts()), origin: e.origin.Count(), conns: len(e.proxy.Targets()) - conns}
	if p.code != 0 {
		return r, fmt.Errorf("user script exited %d:\n%s", p.code, tail(p.stderr, 3000))
	}
	var last string
	var lastT float64
	for _, l := range strings.Split(p.stdout, "\n") {
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != "STEP" {
			continue
		}
		t, _ := strconv.ParseFloat(f[2], 64)
		if last != "" {
			r.steps = append(r.steps, [2]string{last, fmt.Sprintf("%.2f s", t-lastT)})
		}
		last, lastT = f[1], t
	}
	r.objects, r.bytes, err = e.minio.countObjects(ctx, "bench", prefix+"/")
	return r, err
}

// e2eState is the first run of the e2e batch, which the rerun suite
// repeats.
type e2eState struct {
	batch *batch
	opts  mirrorOpts
	first *mirrorRun
}

var e2e *e2eState

// e2eFirst generates the e2e batch and archives it once (unless done).
func (e *env) e2eFirst(ctx context.Context) (*e2eState, error) {
	if e2e != nil {
		return e2e, nil
	}
	if err := e.servers(ctx); err != nil {
		return nil, err
	}
	b := e.makeBatch(batchSpec{name: "e2e", articles: e.cfg.articles, refs: e.cfg.refs, shared: e.cfg.shared})
	logf("e2e batch: %d articles, %d image references, %d distinct images (%s)", b.articles, b.refs, b.unique, mib(b.bytes))
	o := mirrorOpts{prefix: "run", out: "mirrored", concurrency: e.cfg.concurrency,
		rate: e.cfg.freeRate, burst: int(min(e.cfg.freeRate, 1000))}
	first, err := e.mirror(ctx, b, o)
	if err != nil {
		return nil, err
	}
	e2e = &e2eState{batch: b, opts: o, first: first}
	return e2e, nil
}

func suiteE2E(ctx context.Context, e *env, rep *report) error {
	rep.section("End to end: imgmirror vs curl + vipsthumbnail + aws s3 sync (unlimited origin)")
	st, err := e.e2eFirst(ctx)
	if err != nil {
		return err
	}
	b, m := st.batch, st.first
	if m.totals.Fetched != b.unique || m.totals.Failed != 0 {
		return fmt.Errorf("imgmirror fetched %d of %d images, %d failed", m.totals.Fetched, b.unique, m.totals.Failed)
	}
	mObjs, mBytes, err := e.minio.countObjects(ctx, "bench", "run/")
	if err != nil {
		return err
	}
	rep.notef("Batch: %d articles, %d image references, %d distinct images (%s: %s); about %.0f %% of the references "+
		"go to images shared between articles, under varying URLs. Origin latency %s, no rate limit. "+
		"imgmirror runs with `--concurrency %d --rate %g --burst %d` (its default `--rate 5` is a politeness limit for the real CDN), "+
		"the script with `xargs -P %d` for curl and `xargs -P $(nproc)` for vipsthumbnail.",
		b.articles, b.refs, b.unique, mib(b.bytes), b.formatList(), 100*e.cfg.shared, e.cfg.latency,
		st.opts.concurrency, st.opts.rate, st.opts.burst, e.cfg.xargsP)

	s, serr := e.runScript(ctx, b, "script", false)
	var x *scriptRun
	var xerr error
	if serr == nil {
		x, xerr = e.runScript(ctx, b, "script-batched", true)
	}
	t := &table{head: []string{"", "wall", "CPU (user+sys)", "peak RSS", "origin requests", "origin connections", "S3 requests", "objects stored"}}
	t.add("imgmirror archive", secs(m.wall), secs(m.cpu()), mib(m.maxRSS), fmt.Sprint(len(m.reqs)), fmt.Sprint(m.conns), methods(m.s3),
		fmt.Sprintf("%d (%s)", mObjs, mib(mBytes)))
	scriptRow := func(name string, s *scriptRun) {
		t.add(name, secs(s.wall), secs(s.cpu()), mib(s.maxRSS), fmt.Sprint(s.origin), fmt.Sprint(s.conns), methods(s.s3),
			fmt.Sprintf("%d (%s)", s.objects, mib(s.bytes)))
	}
	if serr == nil {
		scriptRow("user script", s)
	}
	if x != nil && xerr == nil {
		scriptRow("user script, batched vipsthumbnail", x)
	}
	if serr == nil {
		t.add("imgmirror / user script", ratio(m.wall.Seconds(), s.wall.Seconds()), ratio(m.cpu().Seconds(), s.cpu().Seconds()),
			"", "", "", "", "")
	}
	if x != nil && xerr == nil {
		t.add("imgmirror / batched script", ratio(m.wall.Seconds(), x.wall.Seconds()), ratio(m.cpu().Seconds(), x.cpu().Seconds()),
			"", "", "", "", "")
	}
	rep.table(t)
	if serr != nil {
		rep.notef("The user script could not run, so the goal (imgmirror wall time ≤ ½ of the script's) is not measured: %v", serr)
		return nil
	}
	if xerr != nil {
		rep.notef("The batched variant of the script failed: %v", xerr)
	}
	steps := &table{head: []string{"script step", "user script", "batched vipsthumbnail"}}
	for i, st := range s.steps {
		xs := ""
		if x != nil && i < len(x.steps) {
			xs = x.steps[i][1]
		}
		steps.add(st[0], st[1], xs)
	}
	rep.table(steps)
	rep.notef("imgmirror also writes %d rewritten articles and %d manifests (locally and into the store) and a URL index entry per image; "+
		"the scripts store originals and thumbnails only, and run their steps one after the other. A script's peak RSS is that of its largest process. "+
		"The script is in bench/e2e.go (userScript); the batched variant differs only in its thumbnail step.",
		b.articles, b.articles)
	r := m.wall.Seconds() / s.wall.Seconds()
	rep.goal("e2e", "imgmirror wall time ≤ ½ of the script's", r <= 0.5,
		fmt.Sprintf("%s vs %s: %.2f×", secs(m.wall), secs(s.wall), r))
	if x != nil && xerr == nil {
		rx := m.wall.Seconds() / x.wall.Seconds()
		rep.notef("Against the batched variant (not the goal's script, but what an expert would write): %s vs %s, %.2f×.",
			secs(m.wall), secs(x.wall), rx)
	}
	return nil
}

func suiteRerun(ctx context.Context, e *env, rep *report) error {
	rep.section("Re-run: the same batch again")
	st, err := e.e2eFirst(ctx)
	if err != nil {
		return err
	}
	b, first := st.batch, st.first
	again, err := e.mirror(ctx, b, st.opts)
	if err != nil {
		return err
	}
	// The same articles with a fresh --out: manifests come from the store.
	o2 := st.opts
	o2.out = "mirrored-fresh"
	fresh, err := e.mirror(ctx, b, o2)
	if err != nil {
		return err
	}
	t := &table{head: []string{"run", "wall", "% of first run", "CPU", "origin requests", "S3 requests", "articles unchanged"}}
	for _, r := range []struct {
		name string
		m    *mirrorRun
	}{{"first run", first}, {"re-run (same --out)", again}, {"re-run, fresh --out (manifests from the store)", fresh}} {
		t.add(r.name, secs(r.m.wall), pct(r.m.wall.Seconds(), first.wall.Seconds()), secs(r.m.cpu()), fmt.Sprint(len(r.m.reqs)),
			methods(r.m.s3), fmt.Sprintf("%d of %d", r.m.totals.ArticlesUnchanged, r.m.totals.Articles))
	}
	rep.table(t)
	rep.goal("rerun", "re-run: zero origin requests", len(again.reqs) == 0 && len(fresh.reqs) == 0,
		fmt.Sprintf("%d and %d", len(again.reqs), len(fresh.reqs)))
	rep.goal("rerun", "re-run: zero PUTs", again.puts() == 0 && fresh.puts() == 0,
		fmt.Sprintf("%d and %d", again.puts(), fresh.puts()))
	r := again.wall.Seconds() / first.wall.Seconds()
	rep.goal("rerun", "re-run wall time < 2 % of the first run", r < 0.02,
		fmt.Sprintf("%s of %s = %.1f %%; fresh --out %.1f %%", ms(again.wall), secs(first.wall), 100*r,
			100*fresh.wall.Seconds()/first.wall.Seconds()))
	return nil
}
