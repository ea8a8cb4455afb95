package main

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/imgmirror/imgmirror/internal/origin"
)

// env is what the suites share: the tools, the image pool, the imgmirror
// binary and, once a suite needs them, the origin and MinIO.
type env struct {
	cfg       *config
	rep       *report
	root      string // module root
	tmp       string // temporary directory for everything
	goVersion string
	source    string // git commit of the module, and whether it has local changes
	tools     *tools
	pool      *pool

	bin      string // the imgmirror binary, once built
	buildErr error

	started  bool
	startErr error
	origin   *origin.Origin
	caFile   string
	proxyURL string
	proxy    *origin.Proxy
	minio    *minioServer
	s3       *countingProxy
	closers  []func()
}

func newEnv(ctx context.Context, cfg *config, rep *report) (*env, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, fmt.Errorf("run me from inside the imgmirror module (go run ./bench): %v", err)
	}
	tmp, err := os.MkdirTemp("", "imgmirror-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, rep: rep, root: root, tmp: tmp}
	e.tools = findTools(ctx, cfg.awsPath)
	e.goVersion = output(ctx, "go", "version")
	if e.goVersion == "" {
		e.goVersion = "unknown"
	}
	e.source = "unknown"
	if head := output(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD"); head != "" {
		e.source = "git " + head
		if st := output(ctx, "git", "-C", root, "status", "--porcelain"); st != "" {
			e.source += fmt.Sprintf(" + %d changed or new files (the working tree)", len(strings.Split(st, "\n")))
		}
	}
	e.pool, err = loadPool(root, cfg.corpus)
	if err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
	if e.cfg.keep {
		logf("kept %s", e.tmp)
	} else {
		os.RemoveAll(e.tmp)
	}
}

// dir returns a new directory under the temporary directory.
func (e *env) dir(name string) string {
	d := filepath.Join(e.tmp, name)
	os.RemoveAll(d)
	if err := os.MkdirAll(d, 0o755); err != nil {
		panic(err)
	}
	return d
}

// binary builds imgmirror once, as a user would (go build), into the
// temporary directory.
func (e *env) binary(ctx context.Context) (string, error) {
	if e.bin != "" || e.buildErr != nil {
		return e.bin, e.buildErr
	}
	if !e.tools.goTool.ok() {
		e.buildErr = errors.New("go is missing")
		return "", e.buildErr
	}
	bin := filepath.Join(e.tmp, "bin", "imgmirror")
	logf("building %s", bin)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/imgmirror")
	cmd.Dir = e.root
	if out, err := cmd.CombinedOutput(); err != nil {
		e.buildErr = fmt.Errorf("go build ./cmd/imgmirror: %v\n%s", err, out)
		return "", e.buildErr
	}
	e.bin = bin
	return bin, nil
}

// servers starts the origin (TLS, plain and the forward proxy) and MinIO
// behind a request-counting reverse proxy, once.
func (e *env) servers(ctx context.Context) error {
	if e.started {
		return e.startErr
	}
	e.started = true
	e.startErr = e.startServers(ctx)
	return e.startErr
}

func (e *env) startServers(ctx context.Context) error {
	if !e.tools.minio.ok() {
		return fmt.Errorf("minio is missing; install it with: %s", e.tools.minio.hint)
	}
	o := origin.New(nil)
	o.SetLatency(e.cfg.latency)
	hosts := origin.CDNHosts()
	tlsSrv, caPEM, err := origin.NewTLSServer(o, hosts...)
	if err != nil {
		return err
	}
	plain := httptest.NewServer(o)
	proxy := origin.NewProxy(tlsSrv.Listener.Addr().String(), plain.Listener.Addr().String(), hosts...)
	e.closers = append(e.closers, func() {
		o.Close()
		proxy.Close()
		plain.Close()
		tlsSrv.Close()
	})
	e.origin, e.proxyURL, e.proxy = o, proxy.URL, proxy
	e.caFile = filepath.Join(e.tmp, "origin-ca.pem")
	if err := os.WriteFile(e.caFile, caPEM, 0o644); err != nil {
		return err
	}
	logf("origin proxy %s (latency %s)", proxy.URL, e.cfg.latency)

	m, err := startMinio(ctx, e.tools.minio.path, filepath.Join(e.tmp, "minio"))
	if err != nil {
		return err
	}
	e.closers = append(e.closers, m.stop)
	e.minio = m
	e.s3 = newCountingProxy(m.Endpoint)
	e.closers = append(e.closers, e.s3.close)
	if err := m.createBucket(ctx, "bench"); err != nil {
		return err
	}
	logf("MinIO %s, counted through %s", m.Endpoint, e.s3.url)
	return nil
}

// storeURL is the --store URL for a prefix in the bench bucket, through
// the counting proxy.
func (e *env) storeURL(prefix string) string {
	return "s3://bench/" + prefix + "?endpoint=" + e.s3.url + "&path_style=true"
}

// cleanEnv is this process's environment without the variables that would
// change what the child does: proxies, CAs, AWS settings, IMGMIRROR_*
// flags and Go runtime tuning.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		ku := strings.ToUpper(k)
		switch {
		case strings.HasSuffix(ku, "_PROXY"), strings.HasPrefix(ku, "SSL_CERT_"), strings.HasPrefix(ku, "AWS_"),
			strings.HasPrefix(ku, "IMGMIRROR_"), ku == "GOGC", ku == "GOMEMLIMIT", ku == "GOMAXPROCS", ku == "GODEBUG",
			ku == "CURL_CA_BUNDLE", ku == "REQUESTS_CA_BUNDLE":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// childEnv is the environment of imgmirror and of the user script: the
// origin's proxy and CA, MinIO's credentials, a private HOME.
func (e *env) childEnv() []string {
	home := filepath.Join(e.tmp, "home")
	os.MkdirAll(home, 0o755)
	env := append(cleanEnv(),
		"HTTPS_PROXY="+e.proxyURL, "HTTP_PROXY="+e.proxyURL, "NO_PROXY=", "SSL_CERT_FILE="+e.caFile,
		"HOME="+home)
	return append(env, e.minio.awsEnv(e.tmp)...)
}

// proc is a finished child process.
type proc struct {
	wall       time.Duration
	user, sys  time.Duration
	maxRSS     int64 // bytes: the largest of the process and its waited-for descendants
	code       int
	stdout     string
	stderr     string
	start, end time.Time
}

func (p *proc) cpu() time.Duration { return p.user + p.sys }

// runProc runs a command through the spawner and measures its wall time
// and rusage (which on Linux includes the descendants it waited for).
func runProc(ctx context.Context, dir string, env []string, name string, args ...string) (*proc, error) {
	if verbose {
		logf("run %s %s", name, strings.Join(args, " "))
	}
	if theSpawner == nil {
		return nil, errors.New("runProc: no spawner")
	}
	r, err := theSpawner.run(ctx, spawnReq{Dir: dir, Env: env, Args: append([]string{name}, args...)})
	if err != nil {
		return nil, err
	}
	p := &proc{
		start: time.Unix(0, r.StartNS), end: time.Unix(0, r.EndNS),
		user: time.Duration(r.UserNS), sys: time.Duration(r.SysNS), maxRSS: r.MaxRSSKiB * 1024,
		code: r.Code, stdout: r.Stdout, stderr: r.Stderr,
	}
	p.wall = p.end.Sub(p.start)
	return p, ctx.Err()
}

// verbose mirrors -v.
var verbose bool
