package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/storage"
)

// verifyOptions are the flags of `imgmirror verify`.
type verifyOptions struct {
	store, out string
	jsonOut    bool
	paths      []string
}

// register declares every flag of the verify command, in one place.
func (o *verifyOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.store, "store", "file://./mirror", "the store the archive is in: file://DIR or s3://BUCKET/PREFIX?...")
	fs.StringVarP(&o.out, "out", "o", "mirrored", "directory searched for manifests when no MANIFEST or DIR is given")
	fs.BoolVar(&o.jsonOut, "json", false, "print the verify report as JSON on stdout")
}

// newVerifyCmd returns `imgmirror verify`.
func newVerifyCmd(io streams) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify [flags] [MANIFEST|DIR...]",
		Short: "Prove that archived articles and their images are whole",
		Long: "Verify re-reads every object the manifests reference (each once, streaming) and checks that originals hash to\n" +
			"their keys and recorded sizes, thumbnails decode with the recorded dimensions, URL index entries exist, and each\n" +
			"rewritten article is unchanged (output_sha256) and links only to objects that exist. MANIFEST is a *.manifest.json\n" +
			"file; DIR is searched recursively for them (default: --out, mirrored). Images that failed or were skipped when\n" +
			"archiving are counted, not problems; manifests with failures are listed as incomplete.\n\n" +
			"Exit codes: 0 the archive is whole, 1 problems found, 2 usage error, 3 store unusable or unreadable.",
		PreRunE: func(cmd *cobra.Command, args []string) error {
			return applyEnv(cmd.Flags())
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			return runVerify(cmd.Context(), io, o)
		},
	}
	o.register(cmd.Flags())
	documentEnv(cmd.Flags())
	return cmd
}

// runVerify verifies the manifests found in o.paths (default o.out)
// against the store, prints the summary or the JSON report and maps the
// outcome to an exit code.
func runVerify(ctx context.Context, io streams, o *verifyOptions) error {
	paths := o.paths
	if len(paths) == 0 {
		paths = []string{o.out}
	}
	manifests, err := archive.FindManifests(paths)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if err := fileStoreExists(o.store); err != nil {
		return err
	}
	st, err := openStore(ctx, o.store)
	if err != nil {
		return err
	}
	if c, ok := st.store.(storage.Checker); ok && st.dir == "" {
		// Remote stores only: the file store's Check wants to write,
		// and verify must work on a read-only copy.
		if err := c.Check(ctx); err != nil {
			return &exitError{code: ExitStore, err: fmt.Errorf("store %s: %w", st.name, err)}
		}
	}
	rep, err := archive.Verify(ctx, st.store, manifests)
	if err != nil {
		return &exitError{code: interruptedCode(ctx), err: fmt.Errorf("verify interrupted: %w", err)}
	}
	rep.Store = st.name
	if o.jsonOut {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		io.out.Write(append(b, '\n'))
	} else {
		printVerify(io, rep)
	}
	reads := 0
	for _, p := range rep.Problems {
		if p.Kind == archive.ProblemRead {
			reads++
		}
	}
	switch n := len(rep.Problems); {
	case n > reads:
		return &exitError{code: ExitPartial, err: fmt.Errorf("%s found in the archive (see above)", countNoun(n, "problem"))}
	case reads > 0:
		return &exitError{code: ExitStore, err: fmt.Errorf("store %s: %s could not be read (see above)", st.name, countNoun(reads, "object"))}
	}
	return nil
}

// printVerify writes the human summary: each problem, each incomplete
// manifest, then one line of totals.
func printVerify(io streams, rep *archive.VerifyReport) {
	for _, p := range rep.Problems {
		fmt.Fprintf(io.out, "problem    %s [%s]\n", p, p.Kind)
	}
	for _, m := range rep.Incomplete {
		fmt.Fprintf(io.out, "incomplete %s: some images failed and keep their original links; run archive again to retry\n", m)
	}
	verdict := "OK"
	if n := len(rep.Problems); n > 0 {
		verdict = countNoun(n, "PROBLEM")
	}
	fmt.Fprintf(io.out, "%s: %d manifests (%d complete, %d incomplete); %d images (%d archived, %d failed, %d skipped); %d objects and %d index entries checked (%s read) in %.1fs: %s\n",
		rep.Store, rep.Manifests, rep.Complete, len(rep.Incomplete), rep.Images, rep.Archived, rep.Failed, rep.Skipped,
		rep.Objects, rep.IndexEntries, byteSize(rep.Bytes), rep.DurationSeconds, verdict)
}

// fileStoreExists fails with exit 3 when raw names a file store whose
// directory does not exist: opening it would create an empty store, and
// verify never creates anything. Malformed URLs are left to openStore.
func fileStoreExists(raw string) error {
	dir := raw
	switch {
	case strings.HasPrefix(raw, "file://"):
		u, err := url.Parse(raw)
		if err != nil {
			return nil
		}
		dir = u.Host + u.Path
	case strings.Contains(raw, "://"):
		return nil
	}
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &exitError{code: ExitStore, err: fmt.Errorf("store %s: directory %s does not exist", raw, dir)}
	case err != nil:
		return &exitError{code: ExitStore, err: fmt.Errorf("store %s: %w", raw, err)}
	case !fi.IsDir():
		return &exitError{code: ExitStore, err: fmt.Errorf("store %s: %s is not a directory", raw, dir)}
	}
	return nil
}

// countNoun returns "1 thing" or "n things".
func countNoun(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	if strings.ToUpper(thing) == thing {
		return fmt.Sprintf("%d %sS", n, thing)
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
