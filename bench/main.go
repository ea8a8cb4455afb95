// Command bench compares imgmirror with the tools users would otherwise
// use: vipsthumbnail and ImageMagick for thumbnails, and a
// curl + xargs + vipsthumbnail + aws CLI script for archiving a batch of
// articles into S3 (MinIO). It also checks rate limiting, re-runs, memory
// and scaling. See BENCHMARKS.md for the results and how to read them.
//
//	go run ./bench -suite all
//	go run ./bench -suite thumbs,e2e -corpus /path/to/corpus
//
// It installs nothing: missing tools (vipsthumbnail, convert, aws, minio,
// curl) are listed with the command that installs them, and the parts that
// need them are skipped.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// allSuites lists the suites in the order they run.
var allSuites = []string{"thumbs", "e2e", "rerun", "ratelimit", "memory", "scaling"}

// config is the command line.
type config struct {
	suites       []string
	corpus       string
	latency      time.Duration
	articles     int
	refs         int
	shared       float64
	concurrency  int
	xargsP       int
	freeRate     float64
	rate         float64
	burst        int
	rateArts     int
	rateVariants bool
	memConc      []int
	memLarge     int
	memArts      int
	memReps      int
	memTryLimit  string
	scaling      []int
	copies       int
	benchtime    string
	thumbReps    int
	seed         int64
	keep         bool
	mdPath       string
	awsPath      string
	verbose      bool
	childEnv     []string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == thumbsWorkerArg {
		os.Exit(thumbsWorker(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == spawnerArg {
		os.Exit(spawnerMain())
	}
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	verbose = cfg.verbose
	sp, err := startSpawner()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	theSpawner = sp
	code := run(ctx, cfg)
	sp.close()
	os.Exit(code)
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	c := &config{}
	suites := fs.String("suite", "all", "suites to run, comma-separated: all or "+strings.Join(allSuites, ","))
	fs.StringVar(&c.corpus, "corpus", "", "image corpus directory (read only); default: bench/testdata and generated images")
	fs.DurationVar(&c.latency, "latency", 20*time.Millisecond, "origin latency per request")
	fs.IntVar(&c.articles, "articles", 50, "articles in the e2e / rerun batch")
	fs.IntVar(&c.refs, "refs", 10, "image references per article (cover included)")
	fs.Float64Var(&c.shared, "shared", 1.0/3, "fraction of references that point to images shared between articles")
	fs.IntVar(&c.concurrency, "concurrency", 8, "imgmirror --concurrency for e2e, rerun, ratelimit and scaling")
	fs.IntVar(&c.xargsP, "P", 8, "parallel curl downloads in the user script (xargs -P)")
	fs.Float64Var(&c.freeRate, "free-rate", 1000, "imgmirror --rate (and --burst, capped at 1000) against the unlimited origin")
	fs.Float64Var(&c.rate, "rate", 10, "ratelimit suite: origin limit and imgmirror --rate (requests/s per host)")
	fs.IntVar(&c.burst, "burst", 5, "ratelimit suite: origin burst and imgmirror --burst")
	fs.IntVar(&c.rateArts, "ratelimit-articles", 20, "articles in the ratelimit batch")
	fs.BoolVar(&c.rateVariants, "ratelimit-variants", true, "ratelimit suite: also try 0.9 × --rate, --burst minus 1 and --burst 1")
	memConc := fs.String("mem-concurrency", "1,4,8,16", "memory suite: --concurrency values")
	fs.IntVar(&c.memLarge, "mem-large", 3, "memory suite: copies (distinct bytes) of each large image: 3840x2160 JPEG, 4096x4096 WebP, >=20 MiB animated GIF")
	fs.IntVar(&c.memArts, "mem-articles", 10, "memory suite: articles in the batch")
	fs.StringVar(&c.memTryLimit, "mem-try-limit", "100MiB", "memory suite: also run --concurrency 8 with this GOMEMLIMIT (empty: don't)")
	fs.IntVar(&c.memReps, "mem-reps", 3, "memory suite: runs per --concurrency value (peak RSS varies with how large images overlap)")
	scaling := fs.String("scaling", "50,200", "scaling suite: batch sizes in articles (the full sizes: 50,200,800)")
	fs.IntVar(&c.copies, "copies", 8, "scaling suite: the last row archives this many copies of the first batch's articles")
	fs.StringVar(&c.benchtime, "benchtime", "1s", "thumbs suite: -benchtime for go test -bench ./thumbs")
	fs.IntVar(&c.thumbReps, "thumb-reps", 3, "thumbs suite: rounds per tool (the median round is reported)")
	fs.Int64Var(&c.seed, "seed", 1, "seed for the generated articles")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directory")
	fs.StringVar(&c.mdPath, "md", "", "also write the result tables (Markdown) to this file")
	fs.StringVar(&c.awsPath, "aws", "", "aws CLI to use (default: the first of PATH's aws and /usr/bin/aws that runs)")
	fs.BoolVar(&c.verbose, "v", false, "log every command")
	fs.Func("child-env", "`KEY=VALUE` added to imgmirror's environment, e.g. GODEBUG=gctrace=1 or GOMEMLIMIT=150MiB (repeatable; stderr is kept in BATCH/OUT.stderr with -keep)", func(s string) error {
		if !strings.Contains(s, "=") {
			return fmt.Errorf("want KEY=VALUE")
		}
		c.childEnv = append(c.childEnv, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, s := range strings.Split(*suites, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "all":
			c.suites = append(c.suites, allSuites...)
		case slices.Contains(allSuites, s):
			c.suites = append(c.suites, s)
		case s == "":
		default:
			return nil, fmt.Errorf("-suite: unknown suite %q (want all or %s)", s, strings.Join(allSuites, ","))
		}
	}
	var err error
	if c.memConc, err = intList(*memConc); err != nil {
		return nil, fmt.Errorf("-mem-concurrency: %v", err)
	}
	if c.scaling, err = intList(*scaling); err != nil {
		return nil, fmt.Errorf("-scaling: %v", err)
	}
	if c.articles < 1 || c.refs < 1 || c.shared < 0 || c.shared >= 1 || c.rate <= 0 || c.burst < 1 || c.thumbReps < 1 || c.memReps < 1 {
		return nil, fmt.Errorf("bad sizes: -articles, -refs >= 1, 0 <= -shared < 1, -rate > 0, -burst >= 1, -thumb-reps >= 1")
	}
	return c, nil
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// run runs the selected suites and prints the report; the exit code is 0
// when every suite ran (goals met or not), 1 when one could not run.
func run(ctx context.Context, cfg *config) int {
	start := time.Now()
	rep := &report{}
	e, err := newEnv(ctx, cfg, rep)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer e.close()
	rep.machine(e)
	rep.toolTable(e.tools)
	rep.flush(os.Stdout)

	failed := false
	done := map[string]bool{}
	for _, s := range cfg.suites {
		if done[s] || ctx.Err() != nil {
			continue
		}
		done[s] = true
		logf("== suite %s", s)
		t0, load0 := time.Now(), loadavg()
		var err error
		switch s {
		case "thumbs":
			err = suiteThumbs(ctx, e, rep)
		case "e2e":
			err = suiteE2E(ctx, e, rep)
		case "rerun":
			err = suiteRerun(ctx, e, rep)
		case "ratelimit":
			err = suiteRateLimit(ctx, e, rep)
		case "memory":
			err = suiteMemory(ctx, e, rep)
		case "scaling":
			err = suiteScaling(ctx, e, rep)
		}
		if err != nil {
			failed = true
			rep.notef("**suite %s failed:** %v", s, err)
			logf("suite %s failed: %v", s, err)
		}
		rep.notef("_Suite %s took %s; load average (1, 5, 15 min) before: %s, after: %s._", s, time.Since(t0).Round(time.Second), load0, loadavg())
		logf("== suite %s took %s", s, time.Since(t0).Round(time.Second))
		rep.flush(os.Stdout)
	}
	rep.goalSummary()
	rep.notef("Total benchmark time: %s.", time.Since(start).Round(time.Second))
	rep.flush(os.Stdout)
	if cfg.mdPath != "" {
		if err := os.WriteFile(cfg.mdPath, []byte(rep.all.String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
	}
	if failed || ctx.Err() != nil {
		return 1
	}
	return 0
}

// logw is where progress messages go.
var logw io.Writer = os.Stderr

func logf(format string, args ...any) {
	fmt.Fprintf(logw, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
