package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// streams are the standard streams a command uses (tests pass buffers).
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// execute runs the command line args and returns the exit code.
func execute(ctx context.Context, args []string, in io.Reader, out, errw io.Writer) int {
	io := streams{in: in, out: out, err: errw}
	root := newRootCmd(io)
	root.SetArgs(args)
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errw)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := codeOf(err)
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(errw, "imgmirror:", msg)
	}
	if code == ExitUsage {
		fmt.Fprintln(errw, "Run 'imgmirror --help' for usage.")
	}
	return code
}

func newRootCmd(io streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "imgmirror",
		Short:         "Archive the images of web articles and mirror them to stable links",
		Long:          "imgmirror finds the cover and inline images of Markdown articles (WeChat exports first of all),\ndownloads them politely and safely, stores originals and thumbnails under content-addressed keys\nin a local directory or an S3-compatible bucket, and rewrites the articles to link to them.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErrorf("%s", err) })
	root.AddCommand(newArchiveCmd(io), newDemoCmd(io), newVerifyCmd(io), newServeCmd(io), newVersionCmd(io))
	return root
}

// envPrefix is the prefix of environment variables that set flags:
// IMGMIRROR_<FLAG>, upper case with dashes as underscores.
const envPrefix = "IMGMIRROR_"

func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// documentEnv appends each flag's environment variable to its usage.
func documentEnv(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			f.Usage += " [$" + envName(f.Name) + "]"
		}
	})
}

// applyEnv sets every flag not given on the command line from its
// environment variable, if set. Repeatable flags take a comma-separated list.
func applyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		v, ok := os.LookupEnv(envName(f.Name))
		if !ok || f.Changed || err != nil || f.Name == "help" {
			return
		}
		if sv, isSlice := f.Value.(pflag.SliceValue); isSlice {
			err = sv.Replace(strings.Split(v, ","))
			f.Changed = true
		} else {
			err = fs.Set(f.Name, v)
		}
		if err != nil {
			err = usageErrorf("$%s=%q: %v", envName(f.Name), v, err)
		}
	})
	return err
}

func newVersionCmd(io streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(io.out, "imgmirror", version)
			return nil
		},
	}
}

func newFlagSet() *pflag.FlagSet { return pflag.NewFlagSet("imgmirror", pflag.ContinueOnError) }
