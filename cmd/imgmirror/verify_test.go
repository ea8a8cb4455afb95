package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/archive"
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
