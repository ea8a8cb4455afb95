package archive

import (
	"context"
	"fmt"
	_ "image/jpeg" // thumbnails are JPEG ...
	_ "image/png"  // ... or PNG
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/imgmirror/imgmirror/manifest"
	"github.com/imgmirror/imgmirror/storage"
)

// VerifyReport is the outcome of Verify, printed by `imgmirror verify
// --json`. The archive is whole when Problems is empty; images that failed
// or were skipped when archiving are counted, not problems.
type VerifyReport struct {
	Store           string    `json:"store,omitempty"` // set by the caller, for the record
	Started         time.Time `json:"started"`
	DurationSeconds float64   `json:"duration_seconds"`
	Manifests       int       `json:"manifests"`            // manifests read
	Complete        int       `json:"complete"`             // of which with no failed image
	Incomplete      []string  `json:"incomplete,omitempty"` // manifests with failed images: a re-run of archive retries them
	Images          int       `json:"images"`               // image references in the manifests
	Archived        int       `json:"archived"`
	Failed          int       `json:"failed"`
	Skipped         int       `json:"skipped"`
	Objects         int       `json:"objects"`       // distinct originals, thumbnails and linked objects checked
	IndexEntries    int       `json:"index_entries"` // distinct URL index entries checked
	Bytes           int64     `json:"bytes"`         // bytes read from the store
	StoreErrors     int       `json:"store_errors"`  // reads that failed for another reason than a missing object
	Problems        []Problem `json:"problems"`
}

// OK reports whether Verify found no problem.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

// Problem is one thing wrong with the archive.
type Problem struct {
	Manifest string `json:"manifest,omitempty"` // the manifest (file path) that leads to the problem
	Key      string `json:"key,omitempty"`      // the store key concerned
	URL      string `json:"url,omitempty"`      // the link or normalized URL concerned
	Kind     string `json:"kind"`               // one of the Problem* constants
	Problem  string `json:"problem"`            // what is wrong, in words
}

// String returns the problem as one line: manifest, key, URL, what.
func (p Problem) String() string {
	var b strings.Builder
	for _, s := range []string{p.Manifest, p.Key, p.URL} {
		if s != "" {
			b.WriteString(s + ": ")
		}
	}
	b.WriteString(p.Problem)
	return b.String()
}

// Kinds of Problem.
const (
	ProblemMissing  = "missing"  // an object the archive needs is not in the store
	ProblemCorrupt  = "corrupt"  // an object's bytes do not match its key or its record
	ProblemIndex    = "index"    // a URL index entry is missing or damaged
	ProblemArticle  = "article"  // a rewritten article is missing, was changed, or has broken links
	ProblemManifest = "manifest" // a manifest cannot be read or contradicts itself or another
	ProblemRead     = "read"     // the store failed to answer (not a missing object)
)

// verifyConcurrency bounds the objects read at once.
func verifyConcurrency() int { return max(8, 2*runtime.GOMAXPROCS(0)) }

// FindManifests expands MANIFEST|DIR arguments: a file is taken as a
// manifest, a directory is searched recursively for *.manifest.json
// (hidden files and directories skipped). The result is sorted and free of
// duplicates; an argument that does not exist, or no manifest at all, is
// an error.
func FindManifests(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			add(a)
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != a && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".manifest.json") {
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no manifests (*.manifest.json) found in %s", strings.Join(args, " "))
	}
	sort.Strings(out)
	return out, nil
}

// Verify proves that the archive described by the manifests at
// manifestPaths is whole. It reads every object the manifests reference,
// each distinct key once and several at a time, streaming (memory stays
// bounded whatever the image sizes), and checks that:
//
//   - each original hashes to the SHA-256 in its key
//     (img/<sha256[0:2]>/<sha256>.<ext>) and in the manifest, has the
//     recorded size, and is of the format its extension says;
//   - each thumbnail exists, decodes, and has the recorded dimensions;
//   - the URL index entry of each archived normalized URL exists and
//     leads to an original that is whole as well;
//   - the rewritten article beside each manifest (named by the manifest's
//     article field) exists, has the manifest's output_sha256, contains the
//     stable link of every archived image, and every link in it that leads
//     into the store (a stable link, or a relative link into a file store)
//     names an object that exists.
//
// A manifest with failed images is counted as incomplete, which is not a
// problem. Store errors other than a missing object are Problems of kind
// ProblemRead, counted in StoreErrors. The error is non-nil only when ctx
// ends; the report then holds what was verified so far.
func Verify(ctx context.Context, store storage.Store, manifestPaths []string) (*VerifyReport, error) {
	v := &verifier{
		store: store,
		rep:   &VerifyReport{Started: time.Now().UTC(), Problems: []Problem{}},
		objs:  map[string]*objCheck{},
		index: map[string]*indexCheck{},
	}
	if d, ok := store.(interface{ Dir() string }); ok {
		v.storeDir = d.Dir()
	}
	if u, ok := store.(storage.URLer); ok {
		if s := u.URL("k"); strings.HasSuffix(s, "/k") {
			v.urlBase = strings.TrimSuffix(s, "k")
		}
	}
	for _, p := range manifestPaths {
		if err := ctx.Err(); err != nil {
			return v.finish(), err
		}
		v.manifest(p)
	}
	// Objects and index entries first; index records may name objects no
	// manifest does (a --force run replaced them), which are checked next.
	err := v.run(ctx, v.pending())
	if err == nil {
		for _, l := range v.later {
			v.want(l.manifest, l.c, false)
		}
		err = v.run(ctx, v.pending())
	}
	if err == nil {
		v.checkLinks()
	}
	return v.finish(), err
}

// verifier holds the state of one Verify.
type verifier struct {
	store    storage.Store
	storeDir string // absolute directory of a file store, "" otherwise
	urlBase  string // the store's own URL of key "" (URLer), "" if none

	mu     sync.Mutex // guards rep (during run) and the results in objs and index
	rep    *VerifyReport
	objs   map[string]*objCheck
	order  []string // keys of objs in registration order
	index  map[string]*indexCheck
	iord   []string // normalized URLs of index in registration order
	linked []pendingLink
	later  []laterCheck    // objects named by index entries, checked after the first round
	done   map[string]bool // keys and index entries already run
}

// objKind is what an object is expected to be.
type objKind int

const (
	kindAny      objKind = iota // anything: only its existence is checked
	kindOriginal                // an original image
	kindThumb                   // a thumbnail
)

// objCheck is one distinct key to verify and what is expected of it.
type objCheck struct {
	key      string
	kind     objKind
	sum      string // expected SHA-256 (originals), from the manifest or the key
	size     int64  // expected size, -1 unknown
	w, h     int    // expected dimensions (thumbnails), 0 unknown
	manifest string // first manifest that needs it
	refs     int    // how many manifests need it
	last     string // the last manifest counted in refs
	recorded bool   // a manifest or index entry records it (not only a link)
	missing  bool   // result: no such object
}

// laterCheck is an object named by a URL index entry.
type laterCheck struct {
	manifest string
	c        objCheck
}

// indexCheck is one URL index entry to verify.
type indexCheck struct {
	normalized string
	manifest   string // first manifest that needs it
}

// pendingLink is a link in an article that leads into the store but is
// not a stable link the manifest records: its object must exist.
type pendingLink struct {
	manifest, url, key string
	where              string // "line N" or "cover line"
}

func (v *verifier) problem(p Problem) {
	v.mu.Lock()
	v.rep.Problems = append(v.rep.Problems, p)
	if p.Kind == ProblemRead {
		v.rep.StoreErrors++
	}
	v.mu.Unlock()
}

// manifest reads one manifest and its article, registering the objects
// and index entries to check and checking the article's links.
func (v *verifier) manifest(mp string) {
	m, err := manifest.Load(mp)
	if err != nil {
		v.problem(Problem{Manifest: mp, Kind: ProblemManifest, Problem: "unreadable manifest: " + err.Error()})
		return
	}
	r := v.rep
	r.Manifests++
	r.Images += m.Counts.Images
	r.Archived += m.Counts.Archived
	r.Failed += m.Counts.Failed
	r.Skipped += m.Counts.Skipped
	if m.Complete() {
		r.Complete++
	} else {
		r.Incomplete = append(r.Incomplete, mp)
	}
	tallied := *m
	tallied.Tally()
	if tallied.Counts != m.Counts {
		v.problem(Problem{Manifest: mp, Kind: ProblemManifest,
			Problem: fmt.Sprintf("counts %+v do not match its images (%+v)", m.Counts, tallied.Counts)})
	}

	stable := map[string]string{} // stable URL -> key
	for _, im := range m.Images {
		if im.Status != manifest.StatusArchived {
			continue
		}
		if im.Key == "" || im.SHA256 == "" || im.StableURL == "" {
			v.problem(Problem{Manifest: mp, URL: im.URL, Kind: ProblemManifest, Problem: "archived image without key, sha256 or stable_url"})
			continue
		}
		if sum, _, ok := parseOriginalKey(im.Key); !ok || sum != im.SHA256 {
			v.problem(Problem{Manifest: mp, Key: im.Key, URL: im.URL, Kind: ProblemManifest,
				Problem: "key is not img/<sha256[0:2]>/<sha256>.<ext> of the recorded sha256 " + im.SHA256})
		}
		if k, ok := stable[im.StableURL]; ok && k != im.Key {
			v.problem(Problem{Manifest: mp, URL: im.StableURL, Kind: ProblemManifest,
				Problem: fmt.Sprintf("stable URL recorded for both %s and %s", k, im.Key)})
		}
		stable[im.StableURL] = im.Key
		v.want(mp, objCheck{key: im.Key, kind: kindOriginal, sum: im.SHA256, size: im.Bytes, recorded: true}, true)
		for _, t := range im.Thumbnails {
			w, sum, _, ok := parseThumbKey(t.Key)
			if !ok || w != t.Width || sum != im.SHA256 {
				v.problem(Problem{Manifest: mp, Key: t.Key, Kind: ProblemManifest,
					Problem: fmt.Sprintf("thumbnail key is not thumb/%d/<sha256[0:2]>/<sha256>.<jpg|png> of the original", t.Width)})
			}
			v.want(mp, objCheck{key: t.Key, kind: kindThumb, size: -1, w: t.Width, h: t.Height, recorded: true}, true)
		}
		if im.Normalized == "" {
			v.problem(Problem{Manifest: mp, URL: im.URL, Kind: ProblemManifest, Problem: "archived image without normalized URL"})
		} else if v.index[im.Normalized] == nil {
			v.index[im.Normalized] = &indexCheck{normalized: im.Normalized, manifest: mp}
			v.iord = append(v.iord, im.Normalized)
		}
	}
	v.article(mp, m, stable)
}

// want registers a key to check; a key needed several times is checked
// once, against everything expected of it. ref says whether manifest mp
// itself needs the key (rather than an index entry it led to).
func (v *verifier) want(mp string, c objCheck, ref bool) {
	old := v.objs[c.key]
	if old == nil {
		c.manifest, c.last, c.refs = mp, mp, 1
		v.objs[c.key] = &c
		v.order = append(v.order, c.key)
		return
	}
	if ref && old.last != mp {
		old.refs++
		old.last = mp
	}
	disagree := func(what string, a, b any) {
		by := "the manifest"
		if !ref {
			by = "its URL index entry"
		}
		v.problem(Problem{Manifest: mp, Key: c.key, Kind: ProblemManifest,
			Problem: fmt.Sprintf("%s records %s %v, %s records %v", by, what, b, old.manifest, a)})
	}
	if c.kind != kindAny && old.kind == kindAny {
		old.kind = c.kind
	}
	old.recorded = old.recorded || c.recorded
	switch {
	case old.sum == "":
		old.sum = c.sum
	case c.sum != "" && c.sum != old.sum:
		disagree("sha256", old.sum, c.sum)
	}
	switch {
	case old.size < 0:
		old.size = c.size
	case c.size >= 0 && c.size != old.size:
		disagree("size", old.size, c.size)
	}
	for _, d := range []struct {
		name string
		old  *int
		new  int
	}{{"width", &old.w, c.w}, {"height", &old.h, c.h}} {
		switch {
		case *d.old == 0:
			*d.old = d.new
		case d.new != 0 && d.new != *d.old:
			disagree(d.name, *d.old, d.new)
		}
	}
}

// task is one unit of concurrent work.
type task func(ctx context.Context)

// pending returns the checks registered and not yet run.
func (v *verifier) pending() []task {
	if v.done == nil {
		v.done = map[string]bool{}
	}
	var tasks []task
	for _, k := range v.order {
		if !v.done[k] {
			v.done[k] = true
			c := v.objs[k]
			tasks = append(tasks, func(ctx context.Context) { v.object(ctx, c) })
		}
	}
	for _, n := range v.iord {
		if !v.done["\x00"+n] {
			v.done["\x00"+n] = true
			ic := v.index[n]
			tasks = append(tasks, func(ctx context.Context) { v.indexEntry(ctx, ic) })
		}
	}
	return tasks
}

// run runs tasks, a bounded number at a time.
func (v *verifier) run(ctx context.Context, tasks []task) error {
	var g errgroup.Group
	g.SetLimit(verifyConcurrency())
	for _, t := range tasks {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() == nil {
				t(ctx)
			}
			return nil
		})
	}
	_ = g.Wait()
	return ctx.Err()
}

// checkLinks reports the links into the store that no manifest records
// and whose objects are missing.
func (v *verifier) checkLinks() {
	for _, l := range v.linked {
		if c := v.objs[l.key]; c != nil && c.missing {
			v.problem(Problem{Manifest: l.manifest, Key: l.key, URL: l.url, Kind: ProblemArticle,
				Problem: l.where + ": the article links to a missing object"})
		}
	}
}

// finish completes and returns the report, problems in a stable order.
func (v *verifier) finish() *VerifyReport {
	r := v.rep
	r.DurationSeconds = time.Since(r.Started).Seconds()
	sort.SliceStable(r.Problems, func(i, j int) bool {
		a, b := r.Problems[i], r.Problems[j]
		if a.Manifest != b.Manifest {
			return a.Manifest < b.Manifest
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if a.URL != b.URL {
			return a.URL < b.URL
		}
		return a.Problem < b.Problem
	})
	return r
}
