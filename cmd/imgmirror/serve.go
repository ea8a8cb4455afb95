package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/imgmirror/imgmirror/serve"
	"github.com/imgmirror/imgmirror/storage"
)

// Timeouts of the HTTP server.
const (
	// serveReadHeaderTimeout and serveReadTimeout bound reading a request
	// (requests have no body).
	serveReadHeaderTimeout = 10 * time.Second
	serveReadTimeout       = 30 * time.Second
	// serveWriteTimeout bounds writing a response: long enough for the
	// largest image (50 MiB by default) to a slow client.
	serveWriteTimeout = 30 * time.Minute
	serveIdleTimeout  = 2 * time.Minute
	// serveShutdownTimeout is how long in-flight requests may finish after
	// SIGTERM or SIGINT before their connections are closed; it fits in
	// Kubernetes' default 30 s grace period.
	serveShutdownTimeout = 20 * time.Second
)

// serveOptions are the flags of `imgmirror serve`.
type serveOptions struct {
	store, addr, publicURL string
}

// register declares every flag of the serve command, in one place.
func (o *serveOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.store, "store", "file://./mirror", "the store to serve: file://DIR or s3://BUCKET/PREFIX?endpoint=...&region=...&path_style=true")
	fs.StringVar(&o.addr, "addr", ":8080", "address to listen on, HOST:PORT")
	fs.StringVar(&o.publicURL, "public-url", "", "base URL the store is served from (a CDN); article pages may show images from it")
}

func newServeCmd(io streams) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve the store read-only over HTTP, as the origin of a CDN, with pages to browse the articles",
		Long: "serve answers GET and HEAD for /KEY with the stored object (Content-Type, Cache-Control, ETag,\n" +
			"Last-Modified, conditional and Range requests), /healthz for probes, / with the list of archived\n" +
			"articles and /view/PATH with the article articles/PATH rendered with its mirrored images.\n" +
			"It never writes to the store. SIGTERM or SIGINT shut it down gracefully (exit 0).",
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			return applyEnv(cmd.Flags())
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), io, o)
		},
	}
	o.register(cmd.Flags())
	documentEnv(cmd.Flags())
	return cmd
}

// runServe serves the store until ctx is cancelled (SIGTERM or SIGINT),
// then shuts the server down gracefully and returns nil.
func runServe(ctx context.Context, io streams, o *serveOptions) error {
	if err := fileStoreExists(o.store); err != nil { // never create a store (verify.go)
		return err
	}
	st, err := openStore(ctx, o.store)
	if err != nil {
		return err
	}
	check := storeCheck(st)
	if check != nil {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := check(cctx)
		cancel()
		if err != nil {
			return &exitError{code: ExitStore, err: fmt.Errorf("store %s: %w", st.name, err)}
		}
	}
	logger := slog.New(slog.NewTextHandler(io.err, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h, err := serve.New(serve.Options{Store: st.store, PublicURL: o.publicURL, Check: check, Logger: logger})
	if err != nil {
		return usageErrorf("--public-url: %v", err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return usageErrorf("--addr: %v", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: serveReadHeaderTimeout,
		ReadTimeout:       serveReadTimeout,
		WriteTimeout:      serveWriteTimeout,
		IdleTimeout:       serveIdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(io.err, "imgmirror: serving %s read-only on http://%s\n", st.name, ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return &exitError{code: ExitPartial, err: fmt.Errorf("serve: %w", err)}
	case <-ctx.Done():
	}
	fmt.Fprintln(io.err, "imgmirror: shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), serveShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		fmt.Fprintf(io.err, "imgmirror: closed connections still busy after %s\n", serveShutdownTimeout)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return &exitError{code: ExitPartial, err: fmt.Errorf("serve: %w", err)}
	}
	return nil
}

// storeCheck returns the read-only health check of the store: that a file
// store's directory is there (the file store's own Check writes a file),
// or the store's Check (S3: the bucket is reachable with the credentials).
func storeCheck(st *openedStore) func(context.Context) error {
	if st.dir != "" {
		dir := st.dir
		return func(context.Context) error {
			fi, err := os.Stat(dir)
			if err == nil && !fi.IsDir() {
				err = fmt.Errorf("%s is not a directory", dir)
			}
			return err
		}
	}
	if c, ok := st.store.(storage.Checker); ok {
		return c.Check
	}
	return nil
}
