package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgmirror/imgmirror/internal/miniotest"
	"github.com/imgmirror/imgmirror/manifest"
)

// countingProxy sits in front of MinIO and counts requests by method, the
// way a bucket's access log would.
type countingProxy struct {
	*httptest.Server
	mu     sync.Mutex
	counts map[string]int
}

func newCountingProxy(t *testing.T, endpoint string) *countingProxy {
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.counts[r.Method]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *countingProxy) count(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[method]
}

func requireAWS(t *testing.T) string {
	aws, err := exec.LookPath("aws")
	if err != nil {
		miniotest.Missing(t, "the AWS CLI (Debian package awscli)")
	}
	return aws
}

// awsCLI runs the AWS CLI against srv and returns its stdout.
func awsCLI(t *testing.T, srv *miniotest.Server, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(requireAWS(t), append([]string{"--endpoint-url", srv.Endpoint}, args...)...)
	cmd.Env = srv.Environ()
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return out
}

// TestArchiveToMinIO archives the reference article into a real MinIO
// server with the built binary, reads every object back with the AWS CLI,
// and checks that a second run makes no PUT and no origin request.
func TestArchiveToMinIO(t *testing.T) {
	srv := miniotest.Start(t)
	requireAWS(t)
	bucket := srv.NewBucket(t)
	counter := newCountingProxy(t, srv.Endpoint)
	src := readFile(t, "../../testdata/article/wechat-sample.md")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "wechat-sample.md"), src)
	c := startCDN(t, imagesFor(src))
	env := append(append([]string{}, c.env...), srv.Env()...)
	store := "s3://" + bucket + "/archive?endpoint=" + counter.URL + "&path_style=true"

	r := run(t, dir, env, "archive", "--store", store, "--public-url", "https://cdn.example.com/archive/", "wechat-sample.md")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, srv.SecretKey) {
		t.Error("the secret key appears on stderr")
	}
	m := readManifest(t, filepath.Join(dir, "mirrored", "wechat-sample.manifest.json"))
	if m.Counts.Failed != 0 || m.Counts.Archived == 0 {
		t.Fatalf("counts %+v", m.Counts)
	}
	// Every original, read back by the AWS CLI, hashes to its key.
	local := t.TempDir()
	awsCLI(t, srv, "s3", "cp", "--recursive", "--quiet", "s3://"+bucket+"/archive/img/", local)
	checked := map[string]bool{}
	for _, im := range m.Images {
		if !strings.HasPrefix(im.StableURL, "https://cdn.example.com/archive/img/") {
			t.Errorf("stable URL %s", im.StableURL)
		}
		if body := readFile(t, filepath.Join(local, strings.TrimPrefix(im.Key, "img/"))); sha(body) != im.SHA256 {
			t.Errorf("%s: bytes read back by the AWS CLI do not hash to the key", im.Key)
		}
		if checked[im.Key] || len(checked) >= 3 {
			continue
		}
		// Headers fit for a CDN, on a few originals and their thumbnails.
		checked[im.Key] = true
		for _, key := range append([]string{im.Key}, thumbKeys(im)...) {
			var head struct{ ContentType, CacheControl string }
			if err := json.Unmarshal(awsCLI(t, srv, "s3api", "head-object", "--bucket", bucket, "--key", "archive/"+key), &head); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(head.ContentType, "image/") || head.CacheControl != "public, max-age=31536000, immutable" {
				t.Errorf("%s: Content-Type %q, Cache-Control %q", key, head.ContentType, head.CacheControl)
			}
			if key == im.Key && head.ContentType != im.ContentType {
				t.Errorf("%s: Content-Type %q, manifest says %q", key, head.ContentType, im.ContentType)
			}
		}
	}
	var head struct{ CacheControl string }
	json.Unmarshal(awsCLI(t, srv, "s3api", "head-object", "--bucket", bucket, "--key", "archive/articles/wechat-sample.manifest.json"), &head)
	if head.CacheControl != "no-cache" {
		t.Errorf("manifest Cache-Control %q, want no-cache", head.CacheControl)
	}

	puts, requests := counter.count(http.MethodPut), c.origin.Count()
	if r := run(t, dir, env, "archive", "--store", store, "--public-url", "https://cdn.example.com/archive/", "wechat-sample.md"); r.code != 0 {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
	}
	if n := counter.count(http.MethodPut) - puts; n != 0 {
		t.Errorf("second run made %d PUT requests", n)
	}
	if n := c.origin.Count() - requests; n != 0 {
		t.Errorf("second run made %d origin requests", n)
	}
}

// TestMinIOStopsMidRun stops MinIO in the middle of a run: the run must
// end with exit 3 (or record failures), write no article that points at
// missing objects, and complete after MinIO is back.
func TestMinIOStopsMidRun(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t)
	dir := t.TempDir()
	var all [][]byte
	for i := 0; i < 6; i++ {
		a := []byte(strings.ReplaceAll(faultArticle, "/ok1/", "/ok"+string(rune('a'+i))+"/"))
		all = append(all, a)
		writeFile(t, filepath.Join(dir, "in", "a"+string(rune('a'+i))+".md"), a)
	}
	c := startCDN(t, imagesFor(all...))
	c.origin.SetLatency(150 * time.Millisecond)
	t.Cleanup(c.origin.Close)
	env := append(append([]string{}, c.env...), srv.Env()...)
	store := "s3://" + bucket + "/p?endpoint=" + srv.Endpoint + "&path_style=true"

	timer := time.AfterFunc(1500*time.Millisecond, srv.Stop)
	r := run(t, dir, env, "archive", "--store", store, "--concurrency", "2", "--retries", "1", "in")
	timer.Stop()
	if r.code != 3 && r.code != 1 {
		t.Fatalf("exit %d, want 3 (store failed) or 1\n%s", r.code, r.stderr)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// Whatever was written points only at objects that exist.
	for _, f := range listFiles(t, filepath.Join(dir, "mirrored")) {
		if !strings.HasSuffix(f, ".manifest.json") {
			continue
		}
		m := readManifest(t, filepath.Join(dir, "mirrored", f))
		for _, im := range m.Images {
			if im.Status == manifest.StatusArchived {
				awsCLI(t, srv, "s3api", "head-object", "--bucket", bucket, "--key", "p/"+im.Key)
			}
		}
	}
	c.origin.SetLatency(0)
	r = run(t, dir, env, "archive", "--store", store, "--placeholder-sha256", c.origin.PlaceholderSHA256(), "in")
	if r.code != 0 {
		t.Fatalf("re-run: exit %d\n%s", r.code, r.stderr)
	}
	for _, a := range "abcdef" {
		m := readManifest(t, filepath.Join(dir, "mirrored", "in", "a"+string(a)+".manifest.json"))
		if m.Counts.Archived != 10 || !m.Complete() {
			t.Errorf("a%c: %+v after MinIO came back", a, m.Counts)
		}
	}
}

// TestS3StoreUnusable checks that wrong credentials and a missing bucket
// each stop the run before anything is fetched, with one line and exit 3.
func TestS3StoreUnusable(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), []byte(smallArticle))
	c := startCDN(t, imagesFor([]byte(smallArticle)))
	good := append(append([]string{}, c.env...), srv.Env()...)
	bad := append(append([]string{}, good...), "AWS_SECRET_ACCESS_KEY=wrong-secret-value")
	for name, tc := range map[string]struct {
		env   []string
		store string
	}{
		"wrong credentials": {bad, "s3://" + bucket + "/p?endpoint=" + srv.Endpoint + "&path_style=true"},
		"missing bucket":    {good, "s3://no-such-bucket-xyz/p?endpoint=" + srv.Endpoint + "&path_style=true"},
	} {
		r := run(t, dir, tc.env, "archive", "--store", tc.store, "a.md")
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 3 || len(lines) != 1 || !strings.Contains(r.stderr, "bucket") && !strings.Contains(r.stderr, "no-such-bucket-xyz") {
			t.Errorf("%s: exit %d, stderr %q; want exit 3 and one line naming the bucket", name, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "wrong-secret-value") || strings.Contains(r.stderr, srv.SecretKey) {
			t.Errorf("%s: a secret appears in the error", name)
		}
	}
	if n := c.origin.Count(); n != 0 {
		t.Errorf("the origin saw %d requests although the store was unusable", n)
	}
}

func thumbKeys(im manifest.Image) []string {
	var keys []string
	for _, th := range im.Thumbnails {
		keys = append(keys, th.Key)
	}
	return keys
}
