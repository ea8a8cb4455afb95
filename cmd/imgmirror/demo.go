package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/internal/demo"
	"github.com/imgmirror/imgmirror/internal/origin"
)

// demoOptions are the flags of `imgmirror demo`.
type demoOptions struct {
	store, out string
	jsonOut    bool
}

func newDemoCmd(io streams) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Archive a bundled sample article from an embedded local origin (no network, no credentials)",
		Long: "demo starts an embedded origin on loopback that serves the bundled images the way mmbiz.qpic.cn does,\n" +
			"archives the bundled sample WeChat article into the store (default ./mirror) and writes the rewritten\n" +
			"article to --out (default ./mirrored). Open the rewritten article in any Markdown viewer.",
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			return applyEnv(cmd.Flags())
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), io, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.store, "store", "file://./mirror", "where images go")
	fs.StringVarP(&o.out, "out", "o", "mirrored", "directory for the rewritten article and manifest")
	fs.BoolVar(&o.jsonOut, "json", false, "print the run summary as JSON on stdout")
	documentEnv(fs)
	return cmd
}

func runDemo(ctx context.Context, io streams, o *demoOptions) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo origin: %w", err)
	}
	srv := &http.Server{Handler: origin.New(demo.Images())}
	go srv.Serve(ln)
	defer srv.Close()

	ao := &archiveOptions{store: o.store, out: o.out, jsonOut: o.jsonOut}
	ao.register(newFlagSet()) // fills in the archive defaults
	ao.store, ao.out, ao.jsonOut = o.store, o.out, o.jsonOut
	st, err := openStore(ctx, ao.store)
	if err != nil {
		return err
	}
	unlock, err := lockOutput(ao.out, ".imgmirror.lock", false)
	if err != nil {
		return err
	}
	defer unlock()
	opts := ao.pipelineOptions(io, st)
	opts.Progress = io.err
	opts.Fetch.AllowPrivate = true // the embedded origin is on loopback
	opts.Fetch.Transport = &toOrigin{addr: ln.Addr().String(), base: http.DefaultTransport}
	inputs := []archive.Input{{Source: "demo/sample-article.md", Rel: "sample-article.md", Data: demo.Article()}}
	rep, err := archive.Run(ctx, opts, inputs)
	if err != nil {
		return &exitError{code: ExitStore, err: err}
	}
	if err := finish(ctx, io, ao, rep); err != nil {
		return err
	}
	if len(rep.Articles) > 0 {
		fmt.Fprintf(io.err, "\nRewritten article: %s\nManifest:          %s\nImages are in:     %s\n",
			rep.Articles[0].Output, rep.Articles[0].Manifest, filepath.Clean(st.dir))
	}
	return nil
}

// toOrigin sends every request to the embedded origin, keeping the
// original Host, as if DNS pointed the CDN's names at it.
type toOrigin struct {
	addr string
	base http.RoundTripper
}

func (t *toOrigin) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Host = req.URL.Host
	r.URL.Scheme, r.URL.Host = "http", t.addr
	return t.base.RoundTrip(r)
}
