package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgmirror/imgmirror/internal/miniotest"
)

// minioServer is a MinIO server on loopback with random root credentials.
// (miniotest.Start needs a testing.TB; the benchmark starts MinIO the same
// way itself.)
type minioServer struct {
	endpoint             string
	access, secret, logf string
	cmd                  *exec.Cmd
	done                 chan struct{}
}

func startMinio(ctx context.Context, bin, dir string) (*minioServer, error) {
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	console, err := freeAddr()
	if err != nil {
		return nil, err
	}
	m := &minioServer{
		endpoint: "http://" + addr,
		access:   "bench" + randHex(8),
		secret:   randHex(20),
		logf:     filepath.Join(dir, "minio.log"),
		done:     make(chan struct{}),
	}
	lf, err := os.Create(m.logf)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	m.cmd = exec.Command(bin, "server", data, "--address", addr, "--console-address", console, "--quiet")
	var env []string
	for _, kv := range cleanEnv() {
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	m.cmd.Env = append(env, "MINIO_ROOT_USER="+m.access, "MINIO_ROOT_PASSWORD="+m.secret,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1")
	m.cmd.Stdout, m.cmd.Stderr = lf, lf
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start minio: %w", err)
	}
	go func() { m.cmd.Wait(); close(m.done) }()
	if err := waitHTTP(ctx, m.endpoint+"/minio/health/live", 60*time.Second, m.done); err != nil {
		m.stop()
		b, _ := os.ReadFile(m.logf)
		return nil, fmt.Errorf("minio: %v\n%s", err, b)
	}
	return m, nil
}

func (m *minioServer) stop() {
	select {
	case <-m.done:
		return
	default:
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(10 * time.Second):
		m.cmd.Process.Kill()
		<-m.done
	}
}

// awsEnv points the AWS SDK and CLI at this server and nothing else.
func (m *minioServer) awsEnv(tmp string) []string {
	missing := filepath.Join(tmp, "no-such-aws-config")
	return []string{
		"AWS_ACCESS_KEY_ID=" + m.access, "AWS_SECRET_ACCESS_KEY=" + m.secret,
		"AWS_REGION=" + miniotest.Region, "AWS_DEFAULT_REGION=" + miniotest.Region,
		"AWS_CONFIG_FILE=" + missing, "AWS_SHARED_CREDENTIALS_FILE=" + missing,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}
}

func (m *minioServer) client() *s3.Client {
	return s3.New(s3.Options{
		Region:       miniotest.Region,
		BaseEndpoint: aws.String(m.endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(m.access, m.secret, ""),
	})
}

func (m *minioServer) createBucket(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := m.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

// countObjects counts the objects (and their bytes) under prefix.
func (m *minioServer) countObjects(ctx context.Context, bucket, prefix string) (n int, size int64, err error) {
	p := s3.NewListObjectsV2Paginator(m.client(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, size, err
		}
		for _, o := range page.Contents {
			n++
			size += aws.ToInt64(o.Size)
		}
	}
	return n, size, nil
}

// countingProxy is a reverse proxy in front of MinIO that counts requests
// by method. The Host header is passed through unchanged, so SigV4
// signatures made for the proxy's address stay valid.
type countingProxy struct {
	url string
	srv *httptest.Server
	mu  sync.Mutex
	n   map[string]int
}

func newCountingProxy(target string) *countingProxy {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	c := &countingProxy{n: map[string]int{}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host
		},
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n[r.Method]++
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	c.url = c.srv.URL
	return c
}

func (c *countingProxy) close() { c.srv.Close() }

// counts returns a copy of the counts so far.
func (c *countingProxy) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// delta returns after - before, per method.
func delta(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
