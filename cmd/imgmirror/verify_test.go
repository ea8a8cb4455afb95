package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/internal/miniotest"
	"github.com/imgmirror/imgmirror/internal/origin"
)

// TestVerifyCommand archives with the built binary, verifies, damages the
// store and verifies again.
func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	two := strings.ReplaceAll(smallArticle, "pic2", "pic9") + "\n![](https://mmbiz.qpic.cn/mmbiz_jpg/gone4/640)\n"
	writeFile(t, filepath.Join(dir, "in", "one.md"), []byte(smallArticle))
	writeFile(t, filepath.Join(dir, "in", "sub", "two.md"), []byte(two))
	c := startCDN(t, imagesFor([]byte(smallArticle), []byte(two)))
	c.origin.SetFault("mmbiz_jpg/gone4", origin.Fault404, -1)
	if r := run(t, dir, c.env, "archive", "--store", "file://store", "in"); r.code != 1 {
		t.Fatalf("archive: exit %d, want 1 (one image is gone)\n%s", r.code, r.stderr)
	}

	// IMGMIRROR_STORE names the store, as for archive.
	env := []string{"IMGMIRROR_STORE=file://store"}
	r := run(t, dir, env, "verify")
	if r.code != 0 {
		t.Fatalf("verify: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "2 manifests (1 complete, 1 incomplete)") || !strings.HasSuffix(r.stdout, ": OK\n") ||
		!strings.Contains(r.stdout, "incomplete mirrored/in/sub/two.manifest.json") {
		t.Errorf("verify summary:\n%s", r.stdout)
	}
	r = run(t, dir, nil, "verify", "--json", "--store", "store", "mirrored/in/one.manifest.json", "store/articles")
	if r.code != 0 {
		t.Fatalf("verify --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var rep archive.VerifyReport
	decodeJSON(t, r.stdout, &rep)
	if rep.Manifests != 3 || rep.Objects == 0 || rep.IndexEntries != 4 || rep.Problems == nil || len(rep.Problems) != 0 {
		t.Errorf("verify --json report: %+v", rep)
	}

	// One original changed on disk: exit 1, naming the key.
	m := readManifest(t, filepath.Join(dir, "mirrored", "in", "one.manifest.json"))
	key := m.Images[1].Key
	p := filepath.Join(dir, "store", filepath.FromSlash(key))
	b := readFile(t, p)
	b[len(b)-3] ^= 0xff
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, dir, env, "verify", "mirrored")
	if r.code != 1 || !strings.Contains(r.stdout, key) || !strings.Contains(r.stdout, "does not match its key") ||
		!strings.Contains(r.stderr, "1 problem found") {
		t.Errorf("verify of a corrupted store: exit %d, want 1 naming %s\nstdout:\n%s\nstderr:\n%s", r.code, key, r.stdout, r.stderr)
	}
	r = run(t, dir, env, "verify", "--json")
	decodeJSON(t, r.stdout, &rep)
	if r.code != 1 || len(rep.Problems) != 1 || rep.Problems[0].Key != key || rep.Problems[0].Kind != archive.ProblemCorrupt {
		t.Errorf("verify --json of a corrupted store: exit %d, problems %+v", r.code, rep.Problems)
	}

	// Usage errors and an unusable store.
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"verify", "--store", "store", "no/such/dir"}, 2, "no/such/dir"},
		{[]string{"verify", "--store", "store", "in"}, 2, "no manifests"},
		{[]string{"verify", "--bogus"}, 2, "bogus"},
		{[]string{"verify", "--store", "ftp://x"}, 2, "unknown scheme"},
		{[]string{"verify"}, 3, "does not exist"}, // the default store ./mirror is not there
		{[]string{"verify", "--store", "file://in/one.md"}, 3, "not a directory"},
	} {
		r := run(t, dir, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d mentioning %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "mirror")); err == nil {
		t.Error("verify created the store it was asked to verify")
	}
	if r := run(t, dir, nil, "verify", "--help"); !strings.Contains(r.stdout, "IMGMIRROR_STORE") {
		t.Errorf("verify --help does not document IMGMIRROR_STORE:\n%s", r.stdout)
	}
}

// TestVerifyMinIO verifies an archive in a real S3-compatible store whose
// articles link to the bucket's own URLs, then with one thumbnail deleted,
// then with the store unreachable.
func TestVerifyMinIO(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), []byte(smallArticle))
	c := startCDN(t, imagesFor([]byte(smallArticle)))
	env := append(append([]string{}, c.env...), srv.Env()...)
	store := "s3://" + bucket + "/p?endpoint=" + srv.Endpoint + "&path_style=true"
	if r := run(t, dir, env, "archive", "--store", store, "a.md"); r.code != 0 {
		t.Fatalf("archive: exit %d\n%s", r.code, r.stderr)
	}
	m := readManifest(t, filepath.Join(dir, "mirrored", "a.manifest.json"))
	if !strings.HasPrefix(m.Images[1].StableURL, srv.Endpoint+"/"+bucket+"/p/img/") {
		t.Fatalf("stable URL %s is not the bucket's own URL", m.Images[1].StableURL)
	}
	env = append(srv.Env(), "IMGMIRROR_STORE="+store)
	if r := run(t, dir, env, "verify"); r.code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	key := m.Images[1].Thumbnails[0].Key
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := srv.Client().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("p/" + key)}); err != nil {
		t.Fatal(err)
	}
	if r := run(t, dir, env, "verify"); r.code != 1 || !strings.Contains(r.stdout, key+": thumbnail missing") {
		t.Errorf("verify without %s: exit %d, want 1 naming it\n%s%s", key, r.code, r.stdout, r.stderr)
	}

	closed := "s3://" + bucket + "/p?endpoint=" + miniotest.ClosedPortEndpoint(t) + "&path_style=true"
	if r := run(t, dir, srv.Env(), "verify", "--store", closed); r.code != 3 {
		t.Errorf("verify against an unreachable store: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
}
