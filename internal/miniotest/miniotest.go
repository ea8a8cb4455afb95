// Package miniotest runs a throwaway MinIO server for tests that need a real
// S3-compatible endpoint.
//
// Start looks for the `minio` binary on PATH and then in $(go env GOPATH)/bin.
// When it is missing the test is skipped locally but fails when the CI
// environment variable is set, so that S3 coverage can never silently vanish
// from CI. Install it with:
//
//	go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
//
// Each server listens on free loopback ports, keeps its data in a temporary
// directory and has a random root user and password. It is stopped by
// t.Cleanup.
package miniotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// InstallCommand is the command that installs the MinIO binary Start uses.
const InstallCommand = "go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"

// Region is the region MinIO reports and the one Server.Env sets.
const Region = "us-east-1"

// startTimeout bounds how long Start and Restart wait for the server to
// report itself live.
const startTimeout = 60 * time.Second

// Server is a running MinIO server.
type Server struct {
	// Endpoint is the S3 API base URL, e.g. "http://127.0.0.1:40123".
	Endpoint string
	// AccessKey and SecretKey are the server's root credentials.
	AccessKey, SecretKey string
	// Region is always "us-east-1".
	Region string
	// DataDir holds the server's objects; it survives Stop and Restart.
	DataDir string

	bin     string
	addr    string
	console string
	logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Binary returns the path of the minio binary, or "" when it cannot be found.
func Binary() string {
	if p, err := exec.LookPath("minio"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "minio")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// RequireBinary returns the minio binary or ends the test: t.Fatal when the
// CI environment variable is set, t.Skip otherwise.
func RequireBinary(t testing.TB) string {
	t.Helper()
	bin := Binary()
	if bin == "" {
		Missing(t, "minio binary (looked on PATH and in $(go env GOPATH)/bin); install it with: "+InstallCommand)
	}
	return bin
}

// Missing ends the test because a required external tool is absent: it fails
// in CI (CI set in the environment) and skips elsewhere.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("missing %s (CI is set, so this is a failure, not a skip)", what)
	}
	t.Skipf("skipping: missing %s", what)
}

// Start starts a MinIO server with a fresh data directory and registers its
// shutdown with t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Launch(RequireBinary(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Launch starts the MinIO binary bin on free loopback ports with random
// root credentials, its data in dir/data and its log in dir/minio.log, and
// waits until it answers S3 calls. The caller stops it with Stop. Tests
// use Start; Launch is for programs such as the benchmark.
func Launch(bin, dir string) (*Server, error) {
	s := &Server{
		AccessKey: "mt" + randHex(9),
		SecretKey: randHex(20),
		Region:    Region,
		DataDir:   filepath.Join(dir, "data"),
		bin:       bin,
		logPath:   filepath.Join(dir, "minio.log"),
	}
	if err := os.MkdirAll(s.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("miniotest: %w", err)
	}
	// Free ports are found by binding to :0 and releasing them; another
	// process may grab one in between, so try a few times.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if s.addr, err = freeAddr(); err != nil {
			return nil, fmt.Errorf("miniotest: %w", err)
		}
		if s.console, err = freeAddr(); err != nil {
			return nil, fmt.Errorf("miniotest: %w", err)
		}
		s.Endpoint = "http://" + s.addr
		if err = s.start(); err == nil {
			return s, nil
		}
		s.Stop()
	}
	return nil, fmt.Errorf("miniotest: %v\n%s", err, s.logTail())
}

// Stop stops the server (SIGTERM, then SIGKILL after a grace period) and
// waits for it to exit. The data directory is kept. Stop is idempotent.
// It is safe to call from another goroutine (e.g. time.AfterFunc); a
// concurrent call waits until the server has exited.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd, done := s.cmd, s.done
	s.cmd, s.done = nil, nil
	if cmd == nil {
		return
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = cmd.Process.Kill() // no SIGTERM on this platform
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Restart stops the server if it runs and starts it again on the same
// address with the same data directory and credentials. It returns an error
// (with the tail of the server log) when the server does not come back.
func (s *Server) Restart() error {
	s.Stop()
	var err error
	// The old process released the port just now; retry briefly in case
	// the kernel has not made it available yet.
	for attempt := 0; attempt < 5; attempt++ {
		if err = s.start(); err == nil {
			return nil
		}
		s.Stop()
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("miniotest: restart: %w\n%s", err, s.logTail())
}

func (s *Server) start() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, "server", s.DataDir,
		"--address", s.addr, "--console-address", s.console, "--quiet")
	cmd.Env = append(withoutPrefixes(os.Environ(), "MINIO_", "AWS_"),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=1",
	)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-done:
			return fmt.Errorf("minio exited during startup (%v)", cmd.ProcessState)
		default:
		}
		// /minio/health/live answers before the object layer is up (S3
		// calls then fail with 503 XMinioServerNotInitialized), so wait
		// for readiness and then for a real S3 call to succeed.
		if s.healthy(client, "/minio/health/live") && s.healthy(client, "/minio/health/ready") && s.answers() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("minio not ready at %s after %v", s.Endpoint, startTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) healthy(client *http.Client, path string) bool {
	resp, err := client.Get(s.Endpoint + path)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// answers reports whether an authenticated S3 request (ListBuckets)
// succeeds.
func (s *Server) answers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := s.Client().ListBuckets(ctx, &s3.ListBucketsInput{}, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	return err == nil
}

// Env returns environment assignments that point an AWS SDK or the aws CLI
// at this server's credentials and region and away from the shared config
// files in ~/.aws: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
// AWS_DEFAULT_REGION, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (the
// last two name files that do not exist) and AWS_EC2_METADATA_DISABLED.
// The endpoint is not included: pass s.Endpoint explicitly.
func (s *Server) Env() []string {
	missing := filepath.Join(s.DataDir, "..", "no-such-aws-config")
	return []string{
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=" + s.Region,
		"AWS_DEFAULT_REGION=" + s.Region,
		"AWS_CONFIG_FILE=" + missing,
		"AWS_SHARED_CREDENTIALS_FILE=" + missing,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Environ returns os.Environ() with every AWS_* variable removed and Env()
// added: the environment for a subprocess (the aws CLI, the imgmirror
// binary) that must talk to this server and nothing else.
func (s *Server) Environ() []string {
	return append(withoutPrefixes(os.Environ(), "AWS_"), s.Env()...)
}

// SetEnv applies Env() to the current process with t.Setenv, after unsetting
// every other AWS_* variable (restored at cleanup), so that code loading the
// default AWS configuration chain sees this server's credentials and no
// ~/.aws files. Like t.Setenv it cannot be used in parallel tests.
func (s *Server) SetEnv(t testing.TB) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "") // registers the restore
			os.Unsetenv(k)
		}
	}
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Client returns an S3 client for the server using its root credentials,
// path-style addressing and no shared configuration.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
}

// CreateBucket creates a bucket, failing the test on error.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("miniotest: create bucket %q: %v", name, err)
	}
}

// NewBucket creates a bucket with a unique name and returns the name.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := "test-" + randHex(8)
	s.CreateBucket(t, name)
	return name
}

func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "minio log:\n" + string(bytes.TrimSpace(b))
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ClosedPortEndpoint returns an http:// endpoint on a loopback port that
// nothing listens on (for unreachable-endpoint tests).
func ClosedPortEndpoint(t testing.TB) string {
	t.Helper()
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("miniotest: crypto/rand failed"))
	}
	return hex.EncodeToString(b)
}

func withoutPrefixes(env []string, prefixes ...string) []string {
	out := make([]string, 0, len(env))
outer:
	for _, kv := range env {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}
