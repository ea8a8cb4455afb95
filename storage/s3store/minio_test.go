package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgmirror/imgmirror/internal/miniotest"
	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/storagetest"
)

// The tests in this file run against a real MinIO server (internal/miniotest):
// skipped when the minio binary is missing, failed instead when CI is set.

// transport is an instrumented RoundTripper: it counts requests by method
// and can fake a missing object or corrupt uploads.
type transport struct {
	base http.RoundTripper

	mu     sync.Mutex
	counts map[string]int
	last   map[string]string // method → URL (without query) of the last request
	// checksumHeaders counts, by operation ("GET", "PUT", "POST ?uploads"
	// ...), requests carrying a flexible-checksum header.
	checksumHeaders map[string]int

	// fakeHead404 answers every HEAD with 404, as if the object were
	// created by someone else right after our existence check.
	fakeHead404 bool
	// corruptBodies flips a byte of every PUT body after signing.
	corruptBodies bool
}

func newTransport() *transport {
	return &transport{base: http.DefaultTransport.(*http.Transport).Clone(), counts: map[string]int{}, last: map[string]string{}, checksumHeaders: map[string]int{}}
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	tr.mu.Lock()
	tr.counts[req.Method]++
	u := *req.URL
	u.RawQuery = ""
	tr.last[req.Method] = u.String()
	for h := range req.Header {
		h = strings.ToLower(h)
		if strings.HasPrefix(h, "x-amz-checksum") || strings.HasPrefix(h, "x-amz-sdk-checksum") || h == "x-amz-trailer" {
			tr.checksumHeaders[req.Method]++
			break
		}
	}
	fake, corrupt := tr.fakeHead404, tr.corruptBodies
	tr.mu.Unlock()
	if fake && req.Method == http.MethodHead {
		if req.Body != nil {
			req.Body.Close()
		}
		return &http.Response{
			Status: "404 Not Found", StatusCode: http.StatusNotFound,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: http.NoBody, Request: req,
		}, nil
	}
	if corrupt && req.Method == http.MethodPut && req.Body != nil && req.ContentLength > 0 {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		b[len(b)/2] ^= 0xff
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	return tr.base.RoundTrip(req)
}

func (tr *transport) count(method string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.counts[method]
}

func (tr *transport) lastURL(method string) string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.last[method]
}

func (tr *transport) reset() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	clear(tr.counts)
	clear(tr.checksumHeaders)
}

func (tr *transport) set(fakeHead404, corruptBodies bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.fakeHead404, tr.corruptBodies = fakeHead404, corruptBodies
}

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	return s
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func put(t *testing.T, s storage.Store, key string, data []byte, o storage.PutOptions) bool {
	t.Helper()
	created, err := s.Put(t.Context(), key, bytes.NewReader(data), o)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return created
}

func checkAbsent(t *testing.T, s storage.Store, key string) {
	t.Helper()
	if _, err := s.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat(%q) error = %v, want ErrNotFound", key, err)
	}
}

// noUploadsLeft checks that no multipart upload is left open in bucket.
func noUploadsLeft(t *testing.T, srv *miniotest.Server, bucket string) {
	t.Helper()
	out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(out.Uploads) != 0 {
		t.Errorf("%d multipart upload(s) left open, want 0 (aborted)", len(out.Uploads))
	}
}

// genTable is pseudo-random data of a prime length, so that a stream cut
// into parts of any power-of-two size has no two equal parts.
var genTable = func() []byte {
	b := make([]byte, 1_000_003)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range b {
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		b[i] = byte((x * 0x2545f4914f6cdd1d) >> 56)
	}
	return b
}()

// genReader yields n deterministic pseudo-random bytes without holding
// them (fast, even under the race detector: it copies from genTable).
type genReader struct {
	pos int
	n   int64
}

func newGen(seed uint64, n int64) *genReader {
	return &genReader{pos: int(seed * 7919 % uint64(len(genTable))), n: n}
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.n {
		p = p[:g.n]
	}
	n := copy(p, genTable[g.pos:])
	g.pos = (g.pos + n) % len(genTable)
	g.n -= int64(n)
	return n, nil
}

func genSHA(seed uint64, n int64) string {
	h := sha256.New()
	io.Copy(h, newGen(seed, n))
	return hex.EncodeToString(h.Sum(nil))
}

// corrupter yields r's bytes with one byte changed at offset at.
type corrupter struct {
	r   io.Reader
	at  int64
	off int64
}

func (c *corrupter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.at >= c.off && c.at < c.off+int64(n) {
		p[c.at-c.off] ^= 0x01
	}
	c.off += int64(n)
	return n, err
}

// TestMinIO runs everything that needs a server against one MinIO process.
func TestMinIO(t *testing.T) {
	start := time.Now()
	srv := miniotest.Start(t)
	srv.SetEnv(t) // credentials from the environment, no ~/.aws
	t.Logf("minio started in %v at %s", time.Since(start).Round(time.Millisecond), srv.Endpoint)
	base := Config{Endpoint: srv.Endpoint, PathStyle: true}

	t.Run("Conformance", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Store {
			cfg := base
			cfg.Bucket = srv.NewBucket(t)
			return newStore(t, cfg)
		})
	})

	// Multipart for anything over 5 MiB (the suite's 12 MiB objects) and
	// no x-amz-checksum-* headers.
	t.Run("ConformanceMultipartWhenRequired", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Store {
			cfg := base
			cfg.Bucket = srv.NewBucket(t)
			cfg.PartSize = MinPartSize
			cfg.ChecksumWhenRequired = true
			return newStore(t, cfg)
		})
	})

	t.Run("Prefix", func(t *testing.T) { testPrefix(t, srv, base) })
	t.Run("PutIfAbsentNoPUT", func(t *testing.T) { testPutIfAbsentNoPUT(t, srv, base) })
	t.Run("PutIfAbsentRace", func(t *testing.T) { testPutIfAbsentRace(t, srv, base) })
	t.Run("CorruptReader", func(t *testing.T) { testCorruptReader(t, srv, base) })
	t.Run("ServerRejectsCorruption", func(t *testing.T) { testServerRejectsCorruption(t, srv, base) })
	t.Run("ChecksumHeaders", func(t *testing.T) { testChecksumHeaders(t, srv, base) })
	t.Run("Multipart40MiB", func(t *testing.T) { testMultipart(t, srv, base) })
	t.Run("SeekableOnePut", func(t *testing.T) { testSeekableOnePut(t, srv, base) })
	t.Run("AWSCLI", func(t *testing.T) { testAWSCLI(t, srv, base) })
	t.Run("Check", func(t *testing.T) { testCheck(t, srv, base) })
	t.Run("MissingBucketIsNotNotFound", func(t *testing.T) {
		cfg := base
		cfg.Bucket = "no-such-bucket-here"
		s, err := New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Get(t.Context(), "k")
		if err == nil || errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Get from a missing bucket: %v, want an error that is not ErrNotFound", err)
		}
		if _, err := s.Put(t.Context(), "k", strings.NewReader("x"), storage.PutOptions{Size: 1}); err == nil ||
			!strings.Contains(err.Error(), "s3://no-such-bucket-here/k") {
			t.Errorf("Put into a missing bucket: %v, want an error naming s3://no-such-bucket-here/k", err)
		}
	})
}

func testPrefix(t *testing.T, srv *miniotest.Server, base Config) {
	bucket := srv.NewBucket(t)
	cfg := base
	cfg.Bucket, cfg.Prefix = bucket, "/arch/wx/"
	s := newStore(t, cfg)
	cfg.Prefix = ""
	root := newStore(t, cfg)

	put(t, root, "outside.txt", []byte("o"), storage.PutOptions{Size: 1})
	put(t, root, "arch/wxy", []byte("o"), storage.PutOptions{Size: 1}) // shares the string prefix, not the folder
	for _, k := range []string{"b/2.png", "a.md", "b/1.png"} {
		if !put(t, s, k, []byte(k), storage.PutOptions{Size: int64(len(k)), ContentType: "image/png"}) {
			t.Fatalf("Put(%q) not created", k)
		}
	}
	var keys []string
	if err := s.List(t.Context(), "", func(i storage.Info) error { keys = append(keys, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.md", "b/1.png", "b/2.png"}; !slices.Equal(keys, want) {
		t.Errorf("List = %q, want %q", keys, want)
	}
	keys = nil
	if err := root.List(t.Context(), "arch/", func(i storage.Info) error { keys = append(keys, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"arch/wx/a.md", "arch/wx/b/1.png", "arch/wx/b/2.png", "arch/wxy"}; !slices.Equal(keys, want) {
		t.Errorf("unprefixed List = %q, want %q", keys, want)
	}
	got, info, err := storage.ReadAll(t.Context(), root, "arch/wx/b/1.png")
	if err != nil || string(got) != "b/1.png" || info.ContentType != "image/png" {
		t.Errorf("object under the prefix: %q, %+v, %v", got, info, err)
	}
	if u := s.URL("b/1.png"); u != srv.Endpoint+"/"+bucket+"/arch/wx/b/1.png" {
		t.Errorf("URL = %s", u)
	}
	// URL is the address the SDK itself uses for the object.
	tr := newTransport()
	cfg.Prefix = "arch/wx"
	cfg.HTTPClient = &http.Client{Transport: tr}
	s = newStore(t, cfg)
	for _, k := range []string{"b/1.png", "sp ace+plus%/ü?#.png"} {
		put(t, s, k, []byte("u"), storage.PutOptions{Size: 1})
		if _, _, err := storage.ReadAll(t.Context(), s, k); err != nil {
			t.Fatal(err)
		}
		if got, want := s.URL(k), tr.lastURL(http.MethodGet); got != want {
			t.Errorf("URL(%q) = %s, but the SDK fetched %s", k, got, want)
		}
	}
}

func testPutIfAbsentNoPUT(t *testing.T, srv *miniotest.Server, base Config) {
	for _, partSize := range []int64{DefaultPartSize, MinPartSize} {
		tr := newTransport()
		cfg := base
		cfg.Bucket = srv.NewBucket(t)
		cfg.HTTPClient = &http.Client{Transport: tr}
		cfg.PartSize = partSize
		s := newStore(t, cfg)
		small := []byte("small object")
		large := int64(6 << 20)
		opt := storage.PutOptions{Size: int64(len(small)), SHA256: sha(small), ContentType: "image/png"}
		if !put(t, s, "small.png", small, opt) {
			t.Fatal("first Put: not created")
		}
		if created, err := s.Put(t.Context(), "large.bin", newGen(1, large), storage.PutOptions{Size: -1}); err != nil || !created {
			t.Fatalf("first large Put = %v, %v", created, err)
		}
		if tr.count(http.MethodPut) == 0 {
			t.Fatal("first Puts made no PUT request: is the transport used?")
		}

		tr.reset()
		if put(t, s, "small.png", []byte("other"), storage.PutOptions{Size: 5}) {
			t.Error("second Put: created = true")
		}
		if created, err := s.Put(t.Context(), "large.bin", newGen(2, large), storage.PutOptions{Size: large}); err != nil || created {
			t.Errorf("second large Put = %v, %v; want false, nil", created, err)
		}
		if n := tr.count(http.MethodPut) + tr.count(http.MethodPost); n != 0 {
			t.Errorf("part size %d: re-Put of existing keys made %d PUT/POST requests, want 0 (counts %v)", partSize, n, tr.counts)
		}
		if n := tr.count(http.MethodHead); n != 2 {
			t.Errorf("re-Put made %d HEAD requests, want 2", n)
		}
		if got := storagetest.MustGet(t, s, "small.png"); !bytes.Equal(got, small) {
			t.Errorf("object changed to %q", got)
		}
		if got := genSHA(1, large); func() string {
			b := storagetest.MustGet(t, s, "large.bin")
			return sha(b)
		}() != got {
			t.Error("large object changed")
		}
	}
}

// testPutIfAbsentRace makes the existence check lie (HEAD → 404), so the
// server's If-None-Match is what keeps the first object.
func testPutIfAbsentRace(t *testing.T, srv *miniotest.Server, base Config) {
	for _, whenRequired := range []bool{false, true} {
		tr := newTransport()
		cfg := base
		cfg.Bucket = srv.NewBucket(t)
		cfg.HTTPClient = &http.Client{Transport: tr}
		cfg.PartSize = MinPartSize
		cfg.ChecksumWhenRequired = whenRequired
		s := newStore(t, cfg)
		first := []byte("first")
		put(t, s, "k.png", first, storage.PutOptions{Size: 5, ContentType: "image/png", CacheControl: storage.CacheImmutable})
		const large = 11 << 20
		if created, err := s.Put(t.Context(), "big.bin", newGen(7, large), storage.PutOptions{Size: large}); err != nil || !created {
			t.Fatalf("Put big = %v, %v", created, err)
		}

		tr.set(true, false)
		tr.reset()
		second := []byte("second!")
		created, err := s.Put(t.Context(), "k.png", bytes.NewReader(second), storage.PutOptions{Size: 7, SHA256: sha(second)})
		if err != nil || created {
			t.Errorf("when_required=%v: small Put over existing key with lying HEAD = %v, %v; want false, nil", whenRequired, created, err)
		}
		if tr.count(http.MethodPut) != 1 {
			t.Errorf("want exactly one (rejected) PUT, counts %v", tr.counts)
		}
		for _, size := range []int64{large, -1} {
			created, err = s.Put(t.Context(), "big.bin", newGen(8, large), storage.PutOptions{Size: size})
			if err != nil || created {
				t.Errorf("when_required=%v: multipart Put (size %d) over existing key with lying HEAD = %v, %v; want false, nil", whenRequired, size, created, err)
			}
		}
		if tr.count(http.MethodPost) == 0 {
			t.Errorf("no multipart upload was attempted: counts %v", tr.counts)
		}
		tr.set(false, false)

		st, err := s.Stat(t.Context(), "k.png")
		if err != nil || st.ContentType != "image/png" || st.CacheControl != storage.CacheImmutable || st.Size != 5 {
			t.Errorf("first object's metadata changed: %+v, %v", st, err)
		}
		if got := storagetest.MustGet(t, s, "k.png"); !bytes.Equal(got, first) {
			t.Errorf("object changed to %q", got)
		}
		if got := sha(storagetest.MustGet(t, s, "big.bin")); got != genSHA(7, large) {
			t.Error("big object changed")
		}
		noUploadsLeft(t, srv, cfg.Bucket)
	}
}

// testCorruptReader: the reader yields other bytes than PutOptions.SHA256
// says; Put fails and stores nothing, whichever upload path it takes.
func testCorruptReader(t *testing.T, srv *miniotest.Server, base Config) {
	for _, whenRequired := range []bool{false, true} {
		tr := newTransport()
		cfg := base
		cfg.Bucket = srv.NewBucket(t)
		cfg.HTTPClient = &http.Client{Transport: tr}
		cfg.PartSize = MinPartSize
		cfg.ChecksumWhenRequired = whenRequired
		s := newStore(t, cfg)
		for _, tc := range []struct {
			name      string
			n, size   int64
			corruptAt int64
		}{
			{"small", 100 << 10, 100 << 10, 5000},
			{"small-unknown-size", 100 << 10, -1, 5000},
			{"multipart-first-part", 12 << 20, 12 << 20, 10},
			{"multipart-last-part", 12 << 20, -1, 12<<20 - 1},
		} {
			tr.reset()
			r := &corrupter{r: newGen(3, tc.n), at: tc.corruptAt}
			created, err := s.Put(t.Context(), tc.name, r, storage.PutOptions{Size: tc.size, SHA256: genSHA(3, tc.n)})
			if err == nil || created {
				t.Errorf("when_required=%v %s: Put of corrupted bytes = %v, %v; want an error", whenRequired, tc.name, created, err)
				continue
			}
			if !strings.Contains(err.Error(), "SHA-256") || !strings.Contains(err.Error(), "s3://"+cfg.Bucket+"/"+tc.name) {
				t.Errorf("%s: error %q should name the digest mismatch and the object", tc.name, err)
			}
			checkAbsent(t, s, tc.name)
			if tc.size >= 0 && tc.size <= cfg.PartSize && tr.count(http.MethodPut) != 0 {
				t.Errorf("%s: a locally detected mismatch still sent %d PUT(s)", tc.name, tr.count(http.MethodPut))
			}
		}
		noUploadsLeft(t, srv, cfg.Bucket)
	}
}

// testServerRejectsCorruption corrupts request bodies on the wire after
// signing: the server must refuse them (x-amz-checksum-sha256 or the signed
// x-amz-content-sha256), in both checksum modes and for multipart parts.
func testServerRejectsCorruption(t *testing.T, srv *miniotest.Server, base Config) {
	for _, whenRequired := range []bool{false, true} {
		tr := newTransport()
		cfg := base
		cfg.Bucket = srv.NewBucket(t)
		cfg.HTTPClient = &http.Client{Transport: tr}
		cfg.PartSize = MinPartSize
		cfg.ChecksumWhenRequired = whenRequired
		s := newStore(t, cfg)
		tr.set(false, true)
		for _, tc := range []struct {
			name    string
			n, size int64
		}{
			{"small", 1000, 1000},
			{"multipart", 11 << 20, 11 << 20},
		} {
			created, err := s.Put(t.Context(), tc.name, newGen(4, tc.n), storage.PutOptions{Size: tc.size, SHA256: genSHA(4, tc.n)})
			if err == nil || created {
				t.Errorf("when_required=%v %s: upload corrupted in transit = %v, %v; want an error", whenRequired, tc.name, created, err)
			} else {
				t.Logf("when_required=%v %s: %v", whenRequired, tc.name, err)
			}
		}
		tr.set(false, false)
		checkAbsent(t, s, "small")
		checkAbsent(t, s, "multipart")
		noUploadsLeft(t, srv, cfg.Bucket)
	}

	// The x-amz-checksum-sha256 header alone is checked too: a body whose
	// digest differs from the one claimed is refused.
	cfg := base
	cfg.Bucket = srv.NewBucket(t)
	s := newStore(t, cfg)
	wrong := sha256.Sum256([]byte("not the body"))
	err := s.putObject(t.Context(), "claimed", []byte("the body"), wrong[:], storage.PutOptions{})
	if err == nil {
		t.Error("PutObject with a wrong x-amz-checksum-sha256 was accepted")
	} else {
		t.Logf("wrong x-amz-checksum-sha256: %v", err)
	}
	checkAbsent(t, s, "claimed")
}

// testChecksumHeaders: by default every upload request carries a SHA-256
// checksum header and reads ask for checksum validation; with
// checksum=when_required no request carries any flexible-checksum header.
func testChecksumHeaders(t *testing.T, srv *miniotest.Server, base Config) {
	for _, whenRequired := range []bool{false, true} {
		tr := newTransport()
		cfg := base
		cfg.Bucket = srv.NewBucket(t)
		cfg.HTTPClient = &http.Client{Transport: tr}
		cfg.PartSize = MinPartSize
		cfg.ChecksumWhenRequired = whenRequired
		s := newStore(t, cfg)
		data := []byte("checksummed")
		put(t, s, "small", data, storage.PutOptions{Size: int64(len(data)), SHA256: sha(data)})
		put(t, s, "small-unknown", data, storage.PutOptions{Size: -1})
		if created, err := s.Put(t.Context(), "big", newGen(9, 11<<20), storage.PutOptions{Size: -1}); err != nil || !created {
			t.Fatalf("Put big = %v, %v", created, err)
		}
		for _, k := range []string{"small", "small-unknown", "big"} {
			storagetest.MustGet(t, s, k)
		}
		tr.mu.Lock()
		puts, withSum, gets := tr.counts[http.MethodPut], tr.checksumHeaders[http.MethodPut], tr.checksumHeaders[http.MethodGet]
		all := 0
		for _, n := range tr.checksumHeaders {
			all += n
		}
		tr.mu.Unlock()
		if whenRequired && all != 0 {
			t.Errorf("checksum=when_required: %d requests carried flexible-checksum headers (%v), want none", all, tr.checksumHeaders)
		}
		if !whenRequired && (withSum != puts || gets != 3) {
			t.Errorf("default: %d of %d PUTs carried a checksum, %d of 3 GETs asked for validation", withSum, puts, gets)
		}
	}
}

func testMultipart(t *testing.T, srv *miniotest.Server, base Config) {
	const size = 40 << 20
	want := genSHA(5, size)
	for _, whenRequired := range []bool{false, true} {
		tr := newTransport()
		cfg := base
		cfg.Bucket = srv.NewBucket(t)
		cfg.HTTPClient = &http.Client{Transport: tr}
		cfg.PartSize = MinPartSize
		cfg.ChecksumWhenRequired = whenRequired
		s := newStore(t, cfg)
		for _, tc := range []struct {
			key  string
			size int64
			sum  string
		}{
			{"known.bin", size, want},
			{"unknown.bin", -1, ""},
			{"unknown-with-sum.bin", -1, want},
		} {
			tr.reset()
			start := time.Now()
			created, err := s.Put(t.Context(), tc.key, newGen(5, size), storage.PutOptions{
				Size: tc.size, SHA256: tc.sum, ContentType: "video/mp4", CacheControl: storage.CacheImmutable,
			})
			if err != nil || !created {
				t.Fatalf("Put(%s) = %v, %v", tc.key, created, err)
			}
			// 8 parts: CreateMultipartUpload and Complete are POSTs.
			if p, po := tr.count(http.MethodPut), tr.count(http.MethodPost); p != 8 || po != 2 {
				t.Errorf("%s: %d PUT and %d POST requests, want 8 parts and 2 POSTs", tc.key, p, po)
			}
			t.Logf("when_required=%v: Put(%s) of 40 MiB in %v", whenRequired, tc.key, time.Since(start).Round(time.Millisecond))
			rc, info, err := s.Get(t.Context(), tc.key)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			n, err := io.Copy(h, rc)
			rc.Close()
			if err != nil {
				t.Fatalf("read %s: %v", tc.key, err)
			}
			if n != size || info.Size != size || hex.EncodeToString(h.Sum(nil)) != want {
				t.Errorf("%s: got %d bytes (Info.Size %d), sha256 %x; want %d bytes, %s", tc.key, n, info.Size, h.Sum(nil), size, want)
			}
			if info.ContentType != "video/mp4" || info.CacheControl != storage.CacheImmutable {
				t.Errorf("%s: metadata %+v", tc.key, info)
			}
		}
		noUploadsLeft(t, srv, cfg.Bucket)
	}
}

func testAWSCLI(t *testing.T, srv *miniotest.Server, base Config) {
	awsBin, err := exec.LookPath("aws")
	if err != nil {
		miniotest.Missing(t, "aws CLI (pip install awscli, or apt-get install awscli)")
	}
	cfg := base
	cfg.Bucket = srv.NewBucket(t)
	cfg.Prefix = "wx"
	cfg.PartSize = MinPartSize
	s := newStore(t, cfg)

	small := []byte("\x89PNG\r\n\x1a\n pretend image")
	put(t, s, "img/ab/cd.png", small, storage.PutOptions{
		Size: int64(len(small)), SHA256: sha(small), ContentType: "image/png", CacheControl: storage.CacheImmutable,
	})
	const large = 7 << 20
	if created, err := s.Put(t.Context(), "big.bin", newGen(6, large), storage.PutOptions{
		Size: -1, ContentType: "application/octet-stream", CacheControl: storage.CacheNoCache,
	}); err != nil || !created {
		t.Fatalf("Put big = %v, %v", created, err)
	}

	run := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsBin, append([]string{"--endpoint-url", srv.Endpoint}, args...)...)
		cmd.Env = srv.Environ()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out
	}
	for _, tc := range []struct {
		key, contentType, cacheControl string
		size                           int64
		sum                            string
	}{
		{"wx/img/ab/cd.png", "image/png", storage.CacheImmutable, int64(len(small)), sha(small)},
		{"wx/big.bin", "application/octet-stream", storage.CacheNoCache, large, genSHA(6, large)},
	} {
		var head struct {
			ContentType   string
			CacheControl  string
			ContentLength int64
		}
		out := run("s3api", "head-object", "--bucket", cfg.Bucket, "--key", tc.key)
		if err := json.Unmarshal(out, &head); err != nil {
			t.Fatalf("head-object output: %v\n%s", err, out)
		}
		if head.ContentType != tc.contentType || head.CacheControl != tc.cacheControl || head.ContentLength != tc.size {
			t.Errorf("aws s3api head-object %s: %+v, want %s, %s, %d", tc.key, head, tc.contentType, tc.cacheControl, tc.size)
		}
		if got := sha(run("s3", "cp", "s3://"+cfg.Bucket+"/"+tc.key, "-")); got != tc.sum {
			t.Errorf("aws s3 cp %s: sha256 %s, want %s", tc.key, got, tc.sum)
		}
	}
}

func testCheck(t *testing.T, srv *miniotest.Server, base Config) {
	bucket := srv.NewBucket(t)
	cfg := base
	cfg.Bucket = bucket
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("Check of a good store: %v", err)
	}

	checkErr := func(t *testing.T, what string, cfg Config, wantIn ...string) time.Duration {
		t.Helper()
		s, err := New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err = s.Check(t.Context())
		d := time.Since(start)
		if err == nil {
			t.Fatalf("%s: Check succeeded", what)
		}
		msg := err.Error()
		t.Logf("%s: %s (%v)", what, msg, d.Round(time.Millisecond))
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: error is not one line: %q", what, msg)
		}
		for _, w := range append([]string{cfg.Bucket, cfg.Endpoint}, wantIn...) {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not mention %q", what, msg, w)
			}
		}
		for _, secret := range []string{srv.SecretKey, "wrong-" + srv.SecretKey} {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: error reveals the secret key", what)
			}
		}
		return d
	}

	missing := cfg
	missing.Bucket = "no-such-bucket"
	checkErr(t, "missing bucket", missing, "does not exist")

	closed := cfg
	closed.Endpoint = miniotest.ClosedPortEndpoint(t)
	if d := checkErr(t, "unreachable endpoint", closed, "cannot reach"); d > 10*time.Second {
		t.Errorf("Check of an unreachable endpoint took %v, want a few seconds at most", d)
	}

	t.Run("WrongSecret", func(t *testing.T) {
		t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-"+srv.SecretKey)
		checkErr(t, "wrong secret", cfg, "access denied")
		// Other operations fail too, without revealing the secret.
		s, err := New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Put(t.Context(), "k", strings.NewReader("x"), storage.PutOptions{Size: 1})
		if err == nil || strings.Contains(err.Error(), srv.SecretKey) || !strings.Contains(err.Error(), "s3://"+bucket+"/k") {
			t.Errorf("Put with a wrong secret: %v", err)
		}
	})
	t.Run("NoCredentials", func(t *testing.T) {
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
			t.Setenv(k, "")
		}
		// AWS_EC2_METADATA_DISABLED (set by SetEnv) keeps the chain from
		// asking the instance metadata service.
		checkErr(t, "no credentials", cfg, "credentials")
	})
	t.Run("WrongAccessKey", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", "nobody")
		checkErr(t, "unknown access key", cfg, "access denied")
	})
}

// TestMinIORestart checks behaviour while the server is down: bounded
// failure with a useful error, then recovery once it is back.
func TestMinIORestart(t *testing.T) {
	srv := miniotest.Start(t)
	srv.SetEnv(t)
	cfg := Config{Endpoint: srv.Endpoint, PathStyle: true, Bucket: srv.NewBucket(t)}
	s := newStore(t, cfg)
	data := []byte("survives a restart")
	put(t, s, "k.txt", data, storage.PutOptions{Size: int64(len(data)), SHA256: sha(data)})

	srv.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	_, err := s.Stat(ctx, "k.txt")
	if err == nil || errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat with the server down: %v, want a failure that is not ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "s3://"+cfg.Bucket+"/k.txt") {
		t.Errorf("error %q does not name the object", err)
	}
	if err := s.Check(t.Context()); err == nil || !strings.Contains(err.Error(), srv.Endpoint) {
		t.Errorf("Check with the server down: %v", err)
	}
	// Without a deadline, retries are still bounded (MaxAttempts).
	start := time.Now()
	_, err = s.Put(t.Context(), "new.txt", strings.NewReader("x"), storage.PutOptions{Size: 1})
	d := time.Since(start)
	t.Logf("Put with the server down failed after %v: %v", d.Round(time.Millisecond), err)
	if err == nil || !strings.Contains(err.Error(), "attempts") {
		t.Errorf("Put with the server down: %v, want a failure after retries", err)
	}
	if d > 30*time.Second {
		t.Errorf("Put with the server down took %v", d)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if got := storagetest.MustGet(t, s, "k.txt"); !bytes.Equal(got, data) {
		t.Errorf("after restart: %q", got)
	}
	if put(t, s, "k.txt", data, storage.PutOptions{Size: int64(len(data))}) {
		t.Error("after restart: the existing object was not seen")
	}
}

// testSeekableOnePut: a seekable body of known size and digest (what the
// pipeline passes) goes up as one streamed PutObject whatever its size, and
// a wrong digest is refused by the server, leaving nothing behind.
func testSeekableOnePut(t *testing.T, srv *miniotest.Server, base Config) {
	for _, whenRequired := range []bool{false, true} {
		tr := newTransport()
		cfg := base
		cfg.Bucket = srv.NewBucket(t)
		cfg.PartSize = MinPartSize
		cfg.ChecksumWhenRequired = whenRequired
		cfg.HTTPClient = &http.Client{Transport: tr}
		s := newStore(t, cfg)
		data := bytes.Repeat([]byte("0123456789abcdef"), (12<<20)/16) // 12 MiB > PartSize
		tr.reset()
		put(t, s, "big", data, storage.PutOptions{Size: int64(len(data)), SHA256: sha(data)})
		if n, m := tr.count(http.MethodPut), tr.count(http.MethodPost); n != 1 || m != 0 {
			t.Errorf("when_required=%v: %d PUTs and %d POSTs for a seekable 12 MiB body, want one PutObject", whenRequired, n, m)
		}
		if got, _, err := storage.ReadAll(t.Context(), s, "big"); err != nil || sha(got) != sha(data) {
			t.Errorf("when_required=%v: read back %v", whenRequired, err)
		}
		other := append([]byte("x"), data[1:]...)
		if _, err := s.Put(t.Context(), "bad", bytes.NewReader(other), storage.PutOptions{Size: int64(len(other)), SHA256: sha(data)}); err == nil {
			t.Errorf("when_required=%v: a body that does not match its SHA-256 was accepted", whenRequired)
		}
		checkAbsent(t, s, "bad")
	}
}
