package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/article"
	"github.com/imgmirror/imgmirror/fetch"
	"github.com/imgmirror/imgmirror/imgurl"
	"github.com/imgmirror/imgmirror/internal/demo"
	"github.com/imgmirror/imgmirror/internal/origin"
	"github.com/imgmirror/imgmirror/manifest"
	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/filestore"
	"github.com/imgmirror/imgmirror/storage/memstore"
)

// toServer sends every request to a test server, as if DNS pointed the
// CDN's names at it.
type toServer struct{ addr string }

func (t toServer) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Host = req.URL.Host
	r.URL.Scheme, r.URL.Host = "http", t.addr
	return http.DefaultTransport.RoundTrip(r)
}

// articles returns two articles that share images: the demo article and
// a second one with its cover, one of its images, an image the origin
// does not have (failed) and one from a host not allowed (skipped).
func articles() []archive.Input {
	a := demo.Article()
	refs := article.Parse(a).Refs
	b := "# B\n\n封面图链接: " + refs[0].URL + "\n\nText.\n\n![x](" + refs[2].URL + ")\n\n" +
		"![gone](https://mmbiz.qpic.cn/mmbiz_jpg/NoSuchImage/640?wx_fmt=jpeg)\n\n![ext](https://example.com/x.png)\n"
	return []archive.Input{
		{Source: "a.md", Rel: "a.md", Data: a},
		{Source: "sub/b.md", Rel: "sub/b.md", Data: []byte(b)},
	}
}

// archiveInto runs the pipeline over articles() into store, writing the
// rewritten articles to out, from an in-process origin.
func archiveInto(t *testing.T, store storage.Store, out, publicURL string) *archive.Report {
	t.Helper()
	o := origin.New(demo.Images())
	srv := httptest.NewServer(o)
	defer srv.Close()
	defer o.Close()
	allow := imgurl.NewAllowList(imgurl.DefaultHosts, false)
	opts := archive.Options{
		Store: store, StoreName: "test", Out: out, PublicURL: publicURL, Allow: allow,
		Fetch: fetch.Options{
			AllowPrivate: true, Allow: allow.Allowed, Rate: math.Inf(1), Retries: fetch.None,
			Transport: toServer{srv.Listener.Addr().String()},
		},
	}
	rep, err := archive.Run(context.Background(), opts, articles())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Failed != 1 || rep.Totals.Skipped != 1 || rep.Totals.Archived < 10 {
		t.Fatalf("fixture archived %+v, want 1 failed and 1 skipped", rep.Totals)
	}
	return rep
}

// fixture is a finished archive in a file store: root/mirror (the store)
// and root/mirrored (the output directory), archived once and copied for
// each test that damages it.
type fixture struct {
	root string
}

func (f fixture) store(t *testing.T) *filestore.Store {
	t.Helper()
	s, err := filestore.New(filepath.Join(f.root, "mirror"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f fixture) out(p ...string) string {
	return filepath.Join(append([]string{f.root, "mirrored"}, p...)...)
}

func (f fixture) obj(key string) string {
	return filepath.Join(f.root, "mirror", filepath.FromSlash(key))
}

func (f fixture) manifest(t *testing.T, name string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(f.out(name))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f fixture) verify(t *testing.T) *archive.VerifyReport {
	t.Helper()
	paths, err := archive.FindManifests([]string{f.out()})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := archive.Verify(context.Background(), f.store(t), paths)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// copyTree copies the directory src to dst, hidden files included.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// wantProblem fails unless rep has exactly one problem, of kind, naming
// key (if any) and mentioning text.
func wantProblem(t *testing.T, rep *archive.VerifyReport, kind, key, text string) {
	t.Helper()
	if len(rep.Problems) != 1 {
		t.Fatalf("got %d problems, want 1 %s problem: %v", len(rep.Problems), kind, rep.Problems)
	}
	p := rep.Problems[0]
	if p.Kind != kind || (key != "" && p.Key != key) || !strings.Contains(p.Problem, text) {
		t.Fatalf("problem %+v, want kind %s, key %q, mentioning %q", p, kind, key, text)
	}
	if p.Manifest == "" {
		t.Errorf("problem %+v does not name its manifest", p)
	}
}

func archivedImage(t *testing.T, m *manifest.Manifest, ext string) manifest.Image {
	t.Helper()
	for _, im := range m.Images {
		if im.Status == manifest.StatusArchived && strings.HasSuffix(im.Key, "."+ext) && len(im.Thumbnails) > 0 {
			return im
		}
	}
	t.Fatalf("no archived .%s image with thumbnails in the manifest", ext)
	return manifest.Image{}
}

func TestVerify(t *testing.T) {
	tmpl := fixture{root: t.TempDir()}
	s := tmpl.store(t)
	archiveInto(t, s, tmpl.out(), "")

	// fresh returns a copy of the archive to damage.
	fresh := func(t *testing.T) fixture {
		f := fixture{root: t.TempDir()}
		copyTree(t, tmpl.root, f.root)
		return f
	}

	t.Run("good", func(t *testing.T) {
		f := fresh(t)
		rep := f.verify(t)
		if !rep.OK() {
			t.Fatalf("problems in a good archive: %v", rep.Problems)
		}
		a, b := f.manifest(t, "a.manifest.json"), f.manifest(t, filepath.Join("sub", "b.manifest.json"))
		if rep.Manifests != 2 || rep.Complete != 1 || len(rep.Incomplete) != 1 || !strings.HasSuffix(rep.Incomplete[0], "b.manifest.json") {
			t.Errorf("manifests %d, complete %d, incomplete %v; want 2, 1, [.../b.manifest.json]", rep.Manifests, rep.Complete, rep.Incomplete)
		}
		if rep.Images != a.Counts.Images+b.Counts.Images || rep.Failed != 1 || rep.Skipped != 1 {
			t.Errorf("counts %d images, %d failed, %d skipped", rep.Images, rep.Failed, rep.Skipped)
		}
		keys := map[string]bool{}
		for _, m := range []*manifest.Manifest{a, b} {
			for _, im := range m.Images {
				if im.Key != "" {
					keys[im.Key] = true
				}
				for _, th := range im.Thumbnails {
					keys[th.Key] = true
				}
			}
		}
		if rep.Objects != len(keys) || rep.IndexEntries != 8 || rep.Bytes == 0 {
			t.Errorf("checked %d objects (%d bytes) and %d index entries; want each of %d distinct keys once and 8 entries",
				rep.Objects, rep.Bytes, rep.IndexEntries, len(keys))
		}
		// The store's own copies of the articles verify as well.
		paths, err := archive.FindManifests([]string{filepath.Join(f.root, "mirror", "articles")})
		if err != nil || len(paths) != 2 {
			t.Fatalf("store copies: %v %v", paths, err)
		}
		if rep, err := archive.Verify(context.Background(), f.store(t), paths); err != nil || !rep.OK() {
			t.Errorf("store copies: %v %v", err, rep.Problems)
		}
	})

	t.Run("corrupted original", func(t *testing.T) {
		f := fresh(t)
		im := archivedImage(t, f.manifest(t, "a.manifest.json"), "jpg")
		b, err := os.ReadFile(f.obj(im.Key))
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x55 // same size, one byte changed
		if err := os.WriteFile(f.obj(im.Key), b, 0o644); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, f.verify(t), archive.ProblemCorrupt, im.Key, "does not match its key")
	})

	t.Run("original of another format", func(t *testing.T) {
		f := fresh(t)
		im := archivedImage(t, f.manifest(t, "a.manifest.json"), "png")
		wrong := strings.TrimSuffix(im.Key, ".png") + ".jpg"
		// A manifest claiming a .jpg key for PNG bytes (both edited).
		for _, p := range []string{f.out("a.manifest.json"), f.out("a.md")} {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.ReplaceAll(b, []byte(im.Key), []byte(wrong)), 0o644)
		}
		fixOutputSHA(t, f.out("a.manifest.json"), f.out("a.md"))
		os.Rename(f.obj(im.Key), f.obj(wrong))
		rep := f.verify(t)
		found := false
		for _, p := range rep.Problems {
			found = found || p.Key == wrong && p.Kind == archive.ProblemCorrupt && strings.Contains(p.Problem, "content is png, key says .jpg")
		}
		if !found {
			t.Errorf("a PNG stored as .jpg not reported: %v", rep.Problems)
		}
	})

	t.Run("missing thumbnail", func(t *testing.T) {
		f := fresh(t)
		th := archivedImage(t, f.manifest(t, "a.manifest.json"), "jpg").Thumbnails[0]
		if err := os.Remove(f.obj(th.Key)); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, f.verify(t), archive.ProblemMissing, th.Key, "thumbnail missing")
	})

	t.Run("thumbnail of the wrong size", func(t *testing.T) {
		f := fresh(t)
		th := archivedImage(t, f.manifest(t, "a.manifest.json"), "jpg").Thumbnails[0]
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 10, 7)), nil); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.obj(th.Key), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, f.verify(t), archive.ProblemCorrupt, th.Key, "thumbnail is 10x7, recorded")
	})

	t.Run("thumbnail that does not decode", func(t *testing.T) {
		f := fresh(t)
		th := archivedImage(t, f.manifest(t, "a.manifest.json"), "jpg").Thumbnails[0]
		os.WriteFile(f.obj(th.Key), []byte("<html>oops</html>"), 0o644)
		wantProblem(t, f.verify(t), archive.ProblemCorrupt, th.Key, "does not decode")
	})

	t.Run("missing original linked by the article", func(t *testing.T) {
		f := fresh(t)
		// The cover is shared by both articles.
		im := f.manifest(t, filepath.Join("sub", "b.manifest.json")).Images[0]
		if err := os.Remove(f.obj(im.Key)); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, f.verify(t), archive.ProblemMissing, im.Key, "original missing (needed by 2 manifests)")
	})

	t.Run("article links to a missing object", func(t *testing.T) {
		f := fresh(t)
		ghost := "img/00/" + strings.Repeat("0", 64) + ".jpg"
		ap := f.out("sub", "b.md")
		b, _ := os.ReadFile(ap)
		b = append(b, "\n![ghost](../../mirror/"+ghost+")\n"...)
		os.WriteFile(ap, b, 0o644)
		fixOutputSHA(t, f.out("sub", "b.manifest.json"), ap)
		rep := f.verify(t)
		wantProblem(t, rep, archive.ProblemArticle, ghost, "links to a missing object")
		if p := rep.Problems[0]; !strings.HasSuffix(p.Manifest, "b.manifest.json") || p.URL != "../../mirror/"+ghost {
			t.Errorf("problem %+v does not name the article's manifest and link", p)
		}
	})

	t.Run("extra link to an existing thumbnail", func(t *testing.T) {
		f := fresh(t)
		th := archivedImage(t, f.manifest(t, "a.manifest.json"), "jpg").Thumbnails[0]
		ap := f.out("sub", "b.md")
		b, _ := os.ReadFile(ap)
		os.WriteFile(ap, append(b, "\n<img src=\"../../mirror/"+th.Key+"\">\n"...), 0o644)
		fixOutputSHA(t, f.out("sub", "b.manifest.json"), ap)
		if rep := f.verify(t); !rep.OK() {
			t.Errorf("a link to an existing thumbnail is a problem: %v", rep.Problems)
		}
		os.Remove(f.obj(th.Key))
		rep := f.verify(t)
		if len(rep.Problems) != 2 {
			t.Fatalf("want the missing thumbnail and the broken link: %v", rep.Problems)
		}
		for _, p := range rep.Problems {
			if p.Key != th.Key {
				t.Errorf("problem %+v is not about %s", p, th.Key)
			}
		}
	})

	t.Run("manifests that disagree", func(t *testing.T) {
		f := fresh(t)
		mp := f.out("sub", "b.manifest.json")
		m := f.manifest(t, filepath.Join("sub", "b.manifest.json"))
		m.Images[0].Bytes++
		mb, _ := m.Encode()
		os.WriteFile(mp, mb, 0o644)
		rep := f.verify(t)
		found := false
		for _, p := range rep.Problems {
			found = found || p.Kind == archive.ProblemManifest && p.Key == m.Images[0].Key && strings.Contains(p.Problem, "records size")
		}
		if !found {
			t.Errorf("a manifest recording another size for a key is not reported: %v", rep.Problems)
		}
	})

	t.Run("article edited after archiving", func(t *testing.T) {
		f := fresh(t)
		ap := f.out("a.md")
		b, _ := os.ReadFile(ap)
		os.WriteFile(ap, bytes.Replace(b, []byte("imgmirror"), []byte("IMGMIRROR"), 1), 0o644)
		wantProblem(t, f.verify(t), archive.ProblemArticle, "", "article changed after archiving")
	})

	t.Run("article missing", func(t *testing.T) {
		f := fresh(t)
		os.Remove(f.out("a.md"))
		wantProblem(t, f.verify(t), archive.ProblemArticle, "", "article missing")
	})

	t.Run("stable link missing from the article", func(t *testing.T) {
		f := fresh(t)
		m := f.manifest(t, filepath.Join("sub", "b.manifest.json"))
		im := m.Images[1]
		ap := f.out("sub", "b.md")
		b, _ := os.ReadFile(ap)
		os.WriteFile(ap, bytes.Replace(b, []byte(im.StableURL), []byte(im.URL), 1), 0o644)
		fixOutputSHA(t, f.out("sub", "b.manifest.json"), ap)
		wantProblem(t, f.verify(t), archive.ProblemArticle, im.Key, "stable link missing from the article")
	})

	t.Run("URL index entry missing or damaged", func(t *testing.T) {
		f := fresh(t)
		im := f.manifest(t, filepath.Join("sub", "b.manifest.json")).Images[1]
		key := archive.IndexKey(im.Normalized)
		os.Remove(f.obj(key))
		wantProblem(t, f.verify(t), archive.ProblemIndex, key, "URL index entry missing")
		os.WriteFile(f.obj(key), []byte(`{"sha256":`), 0o644)
		wantProblem(t, f.verify(t), archive.ProblemIndex, key, "URL index entry damaged")
	})

	t.Run("store moved away from the articles", func(t *testing.T) {
		f := fresh(t)
		moved := filepath.Join(t.TempDir(), "elsewhere")
		copyTree(t, filepath.Join(f.root, "mirror"), moved)
		s, err := filestore.New(moved)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := archive.Verify(context.Background(), s, []string{f.out("a.manifest.json")})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) == 0 {
			t.Fatal("relative links that do not lead into the store not reported")
		}
		for _, p := range rep.Problems {
			if p.Kind != archive.ProblemArticle || !strings.Contains(p.Problem, "does not lead into the store") {
				t.Errorf("unexpected problem %+v", p)
			}
		}
	})

	t.Run("unreadable manifest", func(t *testing.T) {
		f := fresh(t)
		os.WriteFile(f.out("a.manifest.json"), []byte("{"), 0o644)
		wantProblem(t, f.verify(t), archive.ProblemManifest, "", "unreadable manifest")
	})

	t.Run("store read errors", func(t *testing.T) {
		f := fresh(t)
		im := archivedImage(t, f.manifest(t, "a.manifest.json"), "jpg")
		s := &faultyStore{Store: f.store(t), fail: map[string]error{im.Key: errors.New("connection reset")}}
		rep, err := archive.Verify(context.Background(), s, []string{f.out("a.manifest.json")})
		if err != nil {
			t.Fatal(err)
		}
		wantProblem(t, rep, archive.ProblemRead, im.Key, "connection reset")
		if rep.StoreErrors != 1 {
			t.Errorf("StoreErrors %d, want 1", rep.StoreErrors)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		f := fresh(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := archive.Verify(ctx, f.store(t), []string{f.out("a.manifest.json")}); !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
	})
}

// TestVerifyMemstorePublicURL verifies an archive whose links are public
// URLs, in a store without files.
func TestVerifyMemstorePublicURL(t *testing.T) {
	s := memstore.New()
	out := t.TempDir()
	archiveInto(t, s, out, "https://cdn.example.com/m/")
	paths := []string{filepath.Join(out, "a.manifest.json"), filepath.Join(out, "sub", "b.manifest.json")}
	rep, err := archive.Verify(context.Background(), s, paths)
	if err != nil || !rep.OK() {
		t.Fatalf("%v %v", err, rep.Problems)
	}
	m, err := manifest.Load(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	im := archivedImage(t, m, "jpg")
	if !strings.HasPrefix(im.StableURL, "https://cdn.example.com/m/img/") {
		t.Fatalf("stable URL %s", im.StableURL)
	}
	hidden := &faultyStore{Store: s, fail: map[string]error{im.Thumbnails[1].Key: storage.ErrNotFound}}
	rep, err = archive.Verify(context.Background(), hidden, paths)
	if err != nil {
		t.Fatal(err)
	}
	wantProblem(t, rep, archive.ProblemMissing, im.Thumbnails[1].Key, "thumbnail missing")

	// A public link the manifest does not record must exist too.
	ghost := "thumb/320/00/" + strings.Repeat("0", 64) + ".jpg"
	ap := filepath.Join(out, "a.md")
	b, _ := os.ReadFile(ap)
	os.WriteFile(ap, append(b, "![](https://cdn.example.com/m/"+ghost+")\n"...), 0o644)
	fixOutputSHA(t, paths[0], ap)
	rep, err = archive.Verify(context.Background(), s, paths)
	if err != nil {
		t.Fatal(err)
	}
	wantProblem(t, rep, archive.ProblemArticle, ghost, "links to a missing object")
}

func TestFindManifests(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a.manifest.json", "x/b.manifest.json", "x/b.md", ".hidden/c.manifest.json", "x/.d.manifest.json", "y/notes.json"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("{}"), 0o644)
	}
	got, err := archive.FindManifests([]string{dir, filepath.Join(dir, "a.manifest.json")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.manifest.json"), filepath.Join(dir, "x", "b.manifest.json")}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := archive.FindManifests([]string{filepath.Join(dir, "y")}); err == nil {
		t.Error("a directory without manifests is not an error")
	}
	if _, err := archive.FindManifests([]string{filepath.Join(dir, "nope")}); err == nil {
		t.Error("a missing path is not an error")
	}
}

// fixOutputSHA records the article's current digest in the manifest, as
// if the article had been archived that way.
func fixOutputSHA(t *testing.T, manifestPath, articlePath string) {
	t.Helper()
	m, err := manifest.Load(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(articlePath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	m.OutputSHA256 = hex.EncodeToString(sum[:])
	mb, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifestPath, mb, 0o644); err != nil {
		t.Fatal(err)
	}
}

// faultyStore fails Get (and Stat) for some keys.
type faultyStore struct {
	storage.Store
	fail map[string]error
}

func (s *faultyStore) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	if err := s.fail[key]; err != nil {
		return nil, storage.Info{}, err
	}
	return s.Store.Get(ctx, key)
}

func (s *faultyStore) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := s.fail[key]; err != nil {
		return storage.Info{}, err
	}
	return s.Store.Stat(ctx, key)
}
