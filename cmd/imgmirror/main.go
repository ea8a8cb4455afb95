// Command imgmirror archives the images of web articles (WeChat articles
// saved as Markdown first of all) into a local directory or an
// S3-compatible store, and rewrites the articles to link to them.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// defaultMemoryLimit is the Go runtime's soft memory limit unless
// GOMEMLIMIT says otherwise: most of the heap at a peak is garbage from
// decoding and uploading, and collecting it earlier keeps peak RSS low for
// cron hosts and Kubernetes pods (see BENCHMARKS.md).
const defaultMemoryLimit = 150 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signalContext()
	defer stop()
	os.Exit(execute(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// interrupt records which signal cancelled the run, for the exit code.
type interrupt struct{ sig os.Signal }

type interruptKey struct{}

// signalContext returns a context cancelled by the first SIGINT or
// SIGTERM; a second signal exits at once.
func signalContext() (context.Context, func()) {
	it := &interrupt{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), interruptKey{}, it))
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		s, ok := <-ch
		if !ok {
			return
		}
		it.sig = s
		cancel()
		if s, ok = <-ch; ok {
			os.Exit(exitCodeFor(s))
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}

// exitCodeFor returns 128 + the signal number: 130 for SIGINT, 143 for SIGTERM.
func exitCodeFor(s os.Signal) int {
	if s == syscall.SIGTERM {
		return ExitTerm
	}
	return ExitInterrupt
}

// interruptedCode returns the exit code for an interrupted run.
func interruptedCode(ctx context.Context) int {
	if it, ok := ctx.Value(interruptKey{}).(*interrupt); ok && it.sig != nil {
		return exitCodeFor(it.sig)
	}
	return ExitInterrupt
}
