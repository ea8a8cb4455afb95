package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/imgmirror/imgmirror/internal/miniotest"
)

// tool is an external program the benchmark uses. It is never installed
// by the benchmark; hint says how to.
type tool struct {
	name, path, version, hint, err string
}

func (t *tool) ok() bool { return t != nil && t.path != "" && t.err == "" }

// tools are the external programs, found once.
type tools struct {
	goTool, vips, convert, aws, minio, curl, xargs, bash *tool
}

func (ts *tools) list() []*tool {
	return []*tool{ts.goTool, ts.vips, ts.convert, ts.aws, ts.minio, ts.curl, ts.xargs, ts.bash}
}

// findTools looks for every tool and asks each for its version.
func findTools(ctx context.Context, awsPath string) *tools {
	ts := &tools{
		goTool: probe(ctx, "go", []string{"go"}, []string{"version"}, "", "https://go.dev/dl/"),
		vips: probe(ctx, "vipsthumbnail", []string{"vipsthumbnail"}, []string{"--vips-version"}, "libvips",
			"apt-get install -y libvips-tools"),
		convert: probe(ctx, "convert (ImageMagick)", []string{"magick", "convert"}, []string{"-version"}, "Version: ImageMagick",
			"apt-get install -y imagemagick"),
		curl:  probe(ctx, "curl", []string{"curl"}, []string{"--version"}, "curl", "apt-get install -y curl"),
		xargs: probe(ctx, "xargs", []string{"xargs"}, []string{"--version"}, "", "apt-get install -y findutils"),
		bash:  probe(ctx, "bash", []string{"bash"}, []string{"--version"}, "", "apt-get install -y bash"),
	}
	awsCands := []string{"aws", "/usr/bin/aws", "/usr/local/bin/aws"}
	if awsPath != "" {
		awsCands = []string{awsPath}
	}
	ts.aws = probe(ctx, "aws (AWS CLI)", awsCands, []string{"--version"}, "aws-cli", "apt-get install -y awscli")
	ts.minio = &tool{name: "minio", hint: miniotest.InstallCommand}
	if p := miniotest.Binary(); p != "" {
		ts.minio.path = p
		ts.minio.version = firstLine(output(ctx, p, "--version"))
	}
	return ts
}

// probe returns the first candidate that runs and whose version output
// contains want.
func probe(ctx context.Context, name string, cands, versionArgs []string, want, hint string) *tool {
	t := &tool{name: name, hint: hint}
	for _, p := range lookAll(cands) {
		out := output(ctx, p, versionArgs...)
		if want != "" && !strings.Contains(out, want) {
			t.err = p + " is not it: " + firstLine(out)
			continue
		}
		if out == "" {
			t.err = p + " does not run"
			continue
		}
		t.path, t.version, t.err = p, firstLine(out), ""
		return t
	}
	return t
}

// lookAll returns the executables the candidates name, in order: a bare
// name is looked up in every PATH directory, binaries before scripts (a
// wrapper script in front of the real program would add its own start-up
// to every measurement).
func lookAll(cands []string) []string {
	var bins, scripts []string
	seen := map[string]bool{}
	add := func(p string) {
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if seen[real] {
				return
			}
			seen[real] = true
		}
		if isScript(p) {
			scripts = append(scripts, p)
		} else {
			bins = append(bins, p)
		}
	}
	for _, c := range cands {
		if strings.Contains(c, "/") {
			add(c)
			continue
		}
		for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
			if dir != "" {
				add(filepath.Join(dir, c))
			}
		}
	}
	return append(bins, scripts...)
}

func isScript(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [2]byte
	n, _ := f.Read(b[:])
	return n == 2 && string(b[:]) == "#!"
}

// output runs a command briefly and returns its combined output ("" when
// it fails).
func output(ctx context.Context, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "HOME="+os.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// moduleRoot finds the directory of go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/imgmirror/imgmirror\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
