package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgmirror/imgmirror/internal/miniotest"
)

// minioServer is a MinIO server on loopback with random root credentials,
// started by miniotest.Launch as the tests start theirs.
type minioServer struct{ *miniotest.Server }

func startMinio(ctx context.Context, bin, dir string) (*minioServer, error) {
	s, err := miniotest.Launch(bin, dir)
	if err != nil {
		return nil, err
	}
	return &minioServer{s}, nil
}

func (m *minioServer) stop() { m.Stop() }

// awsEnv points the AWS SDK and CLI at this server and nothing else.
func (m *minioServer) awsEnv(string) []string { return append(m.Env(), "AWS_PAGER=") }

func (m *minioServer) client() *s3.Client { return m.Client() }

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
