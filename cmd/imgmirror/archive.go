package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/fetch"
	"github.com/imgmirror/imgmirror/imgurl"
	"github.com/imgmirror/imgmirror/internal/atomicfile"
	"github.com/imgmirror/imgmirror/thumbs"
)

// archiveOptions are the flags of `imgmirror archive`.
type archiveOptions struct {
	store, publicURL, out string
	hosts, placeholders   []string
	anyHost, asWritten    bool
	force, dryRun         bool
	jsonOut, quiet        bool
	verbose, allowPrivate bool
	logFormat, reportPath string
	shard                 string
	concurrency           int
	rate                  float64
	burst, retries        int
	timeout               time.Duration
	maxBytes              byteSize
	maxPixels             int64
	thumbWidths           []int
	paths                 []string
}

// register declares every flag of the archive command, in one place.
func (o *archiveOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.store, "store", "file://./mirror", "where images go: file://DIR or s3://BUCKET/PREFIX?endpoint=...&region=...&path_style=true")
	fs.StringVar(&o.publicURL, "public-url", "", "base URL the store is served from (e.g. a CDN); stable links become PUBLIC-URL/KEY")
	fs.StringVarP(&o.out, "out", "o", "mirrored", "directory for rewritten articles and manifests")
	fs.StringArrayVar(&o.hosts, "host", nil, "also mirror images from this host (repeatable; *.example.com for subdomains)")
	fs.BoolVar(&o.anyHost, "any-host", false, "mirror images from every http(s) host")
	fs.BoolVar(&o.asWritten, "as-written", false, "fetch WeChat images as written instead of their original rendition")
	fs.StringArrayVar(&o.placeholders, "placeholder-sha256", nil, "SHA-256 of a hotlink placeholder image to treat as a failure (repeatable; adds to the built-in list)")
	fs.BoolVar(&o.force, "force", false, "ignore the URL index and complete manifests; fetch and write everything again")
	fs.BoolVarP(&o.dryRun, "dry-run", "n", false, "list what would be fetched and rewritten; write nothing")
	fs.BoolVar(&o.jsonOut, "json", false, "print the run summary as JSON on stdout")
	fs.StringVar(&o.reportPath, "report", "", "write the JSON run report to this file")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "log every image on stderr")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.IntVar(&o.concurrency, "concurrency", 8, "images fetched at once")
	fs.Float64Var(&o.rate, "rate", 5, "requests per second per host")
	fs.IntVar(&o.burst, "burst", 5, "request burst per host")
	fs.IntVar(&o.retries, "retries", 4, "retries per URL on timeouts, resets, 5xx, 429 and short bodies")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-request timeout, and the longest a body may stall")
	o.maxBytes = 50 << 20
	fs.Var(&o.maxBytes, "max-bytes", "largest image accepted, in bytes (suffixes KiB, MiB, GiB)")
	fs.Int64Var(&o.maxPixels, "max-pixels", 50_000_000, "images with more pixels are archived without thumbnails and never decoded")
	fs.IntSliceVar(&o.thumbWidths, "thumb-widths", []int{320, 640}, "thumbnail widths in pixels")
	fs.StringVar(&o.shard, "shard", "", "process only shard I/N of the articles (by path hash), e.g. $(JOB_COMPLETION_INDEX)/4")
	fs.BoolVar(&o.allowPrivate, "allow-private", false, "allow fetching from loopback and private addresses (tests, intranets)")
}

func newArchiveCmd(io streams) *cobra.Command {
	o := &archiveOptions{}
	cmd := &cobra.Command{
		Use:   "archive [flags] PATH...",
		Short: "Archive the images of articles and write rewritten copies",
		Long: "Archive the images of Markdown articles. PATH is an article, a directory (every *.md below it) or - for stdin.\n" +
			"Rewritten articles and NAME.manifest.json go to --out, and into the store under articles/.\n\n" +
			"Exit codes: 0 all archived, 1 some images failed, 2 usage error, 3 store unusable, 4 output locked by another run,\n130/143 interrupted by SIGINT/SIGTERM.",
		Args: cobra.MinimumNArgs(1),
		PreRunE: func(cmd *cobra.Command, args []string) error {
			return applyEnv(cmd.Flags())
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			// Asking for a log format asks for the log: one event per image.
			o.verbose = o.verbose || cmd.Flags().Changed("log-format")
			return runArchive(cmd.Context(), io, o)
		},
	}
	o.register(cmd.Flags())
	documentEnv(cmd.Flags())
	return cmd
}

// validate checks flag values that pflag cannot.
func (o *archiveOptions) validate() error {
	switch {
	case o.concurrency < 1:
		return usageErrorf("--concurrency must be at least 1")
	case o.rate <= 0:
		return usageErrorf("--rate must be positive")
	case o.burst < 1:
		return usageErrorf("--burst must be at least 1")
	case o.retries < 0:
		return usageErrorf("--retries must not be negative")
	case o.timeout <= 0:
		return usageErrorf("--timeout must be positive")
	case o.maxBytes <= 0 || o.maxPixels <= 0:
		return usageErrorf("--max-bytes and --max-pixels must be positive")
	case o.logFormat != "text" && o.logFormat != "json":
		return usageErrorf("--log-format must be text or json, not %q", o.logFormat)
	}
	for _, w := range o.thumbWidths {
		if w < 1 || w > 10000 {
			return usageErrorf("--thumb-widths: %d is not a width between 1 and 10000", w)
		}
	}
	for _, p := range o.placeholders {
		if !isHexDigest(p) {
			return usageErrorf("--placeholder-sha256 %q is not a hex SHA-256", p)
		}
	}
	return nil
}

func runArchive(ctx context.Context, io streams, o *archiveOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	st, err := openStore(ctx, o.store)
	if err != nil {
		return err
	}
	shard, err := archive.ParseShard(o.shard)
	if err != nil {
		return usageErrorf("--shard: %v", err)
	}
	inputs, err := archive.CollectInputs(o.paths, io.in, o.out, st.dir)
	if err != nil {
		return usageErrorf("%v", err)
	}
	inputs = shard.Filter(inputs)
	unlock, err := lockOutput(o.out, lockName(shard), o.dryRun)
	if err != nil {
		return err
	}
	defer unlock()
	opts := o.pipelineOptions(io, st)
	var p *progress
	if !o.quiet {
		p = newProgress(io.err, len(inputs))
		opts.Progress, opts.OnArticle = p, p.done
	}
	rep, err := archive.Run(ctx, opts, inputs)
	if p != nil {
		p.finish()
	}
	var se *archive.StoreError
	if errors.As(err, &se) {
		return &exitError{code: ExitStore, err: err}
	} else if err != nil {
		return usageErrorf("%v", err)
	}
	return finish(ctx, io, o, rep)
}

func (o *archiveOptions) pipelineOptions(io streams, st *openedStore) archive.Options {
	logger := newLogger(io, o.logFormat, o.verbose, o.quiet)
	opts := archive.Options{
		Store: st.store, StoreName: st.name, PublicURL: o.publicURL, Out: o.out,
		Allow:     imgurl.NewAllowList(append(append([]string{}, imgurl.DefaultHosts...), o.hosts...), o.anyHost),
		AsWritten: o.asWritten, Force: o.force, DryRun: o.dryRun, Concurrency: o.concurrency,
		Version: version, Logger: logger, DryRunTo: io.out,
		Fetch: fetch.Options{
			Rate: o.rate, Burst: o.burst, Retries: o.retries, Timeout: o.timeout, MaxBytes: int64(o.maxBytes),
			AllowPrivate: o.allowPrivate, Placeholders: append(append([]string{}, archive.DefaultPlaceholders...), o.placeholders...),
			UserAgent: userAgent(), Logger: logger,
		},
		Thumbs: thumbs.Options{Widths: o.thumbWidths, MaxPixels: o.maxPixels},
	}
	opts.Fetch.Allow = opts.Allow.Allowed
	return opts
}

func userAgent() string {
	return "imgmirror/" + version + " (+https://github.com/imgmirror/imgmirror)"
}

func newLogger(io streams, format string, verbose, quiet bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelInfo
	}
	if quiet {
		level = slog.LevelError
	}
	hopts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(io.err, hopts))
	}
	return slog.New(slog.NewTextHandler(io.err, hopts))
}

// finish prints the summary and report and maps the run to an exit code.
func finish(ctx context.Context, io streams, o *archiveOptions, rep *archive.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if o.jsonOut {
		io.out.Write(b)
	}
	if o.reportPath != "" {
		if err := atomicfile.WriteFile(o.reportPath, b, 0o644); err != nil {
			return &exitError{code: ExitUsage, err: fmt.Errorf("--report: %w", err)}
		}
	}
	t := rep.Totals
	if !o.quiet {
		fmt.Fprintf(io.err, "%d articles (%d written, %d unchanged, %d failed); %d images: %d archived, %d failed, %d skipped; %d unique, %d fetched (%s), %d from the index; %.1fs\n",
			t.Articles, t.ArticlesWritten, t.ArticlesUnchanged, t.ArticlesFailed, t.Images, t.Archived, t.Failed, t.Skipped,
			t.Unique, t.Fetched, byteSize(t.BytesFetched), t.Reused, rep.DurationSeconds)
	}
	switch {
	case rep.Interrupted:
		return &exitError{code: interruptedCode(ctx), err: errors.New("interrupted; finished articles are recorded, run again to complete")}
	case t.StoreErrors > 0:
		return &exitError{code: ExitStore, err: fmt.Errorf("%d store errors; affected images keep their original links", t.StoreErrors)}
	case t.Failed > 0 || t.ArticlesFailed > 0:
		return &exitError{code: ExitPartial, err: fmt.Errorf("%d images and %d articles failed (see above); their links are unchanged", t.Failed, t.ArticlesFailed)}
	}
	return nil
}
