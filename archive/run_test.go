package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/fetch"
	"github.com/imgmirror/imgmirror/imgurl"
	"github.com/imgmirror/imgmirror/internal/demo"
	"github.com/imgmirror/imgmirror/internal/origin"
	"github.com/imgmirror/imgmirror/manifest"
	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/memstore"
	"github.com/imgmirror/imgmirror/thumbs"
)

func solidPNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(0, 0, color.NRGBA{1, 2, 3, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// runPipeline archives src from an in-process origin serving imgs into a
// memory store.
func runPipeline(t *testing.T, imgs map[string][]byte, src string, tweak func(*archive.Options)) (*memstore.Store, *origin.Origin, *archive.Report) {
	t.Helper()
	o := origin.New(imgs)
	srv := httptest.NewServer(o)
	t.Cleanup(srv.Close)
	store := memstore.New()
	allow := imgurl.NewAllowList(imgurl.DefaultHosts, false)
	opts := archive.Options{
		Store: store, Out: t.TempDir(), Allow: allow, Version: "test",
		Fetch: fetch.Options{AllowPrivate: true, Allow: allow.Allowed, Transport: toServer{srv.Listener.Addr().String()}},
	}
	if tweak != nil {
		tweak(&opts)
	}
	rep, err := archive.Run(context.Background(), opts, []archive.Input{{Source: "a.md", Rel: "a.md", Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	return store, o, rep
}

func loadManifest(t *testing.T, s storage.Store) *manifest.Manifest {
	t.Helper()
	b, _, err := storage.ReadAll(context.Background(), s, "articles/a.manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSameBytesUnderTwoURLsStoredOnce(t *testing.T) {
	photo := demo.Images()
	var one []byte
	for _, b := range photo {
		one = b
		break
	}
	imgs := map[string][]byte{"mmbiz_jpg/first": one, "mmbiz_jpg/second": one}
	src := "![](https://mmbiz.qpic.cn/mmbiz_jpg/first/640)\n\n![](https://mmbiz.qpic.cn/mmbiz_jpg/second/640)\n"
	store, _, rep := runPipeline(t, imgs, src, nil)
	if rep.Totals.Fetched != 2 || rep.Totals.Archived != 2 {
		t.Fatalf("totals %+v", rep.Totals)
	}
	m := loadManifest(t, store)
	if m.Images[0].Key != m.Images[1].Key {
		t.Errorf("same bytes stored under %s and %s", m.Images[0].Key, m.Images[1].Key)
	}
	var originals int
	store.List(context.Background(), "img/", func(storage.Info) error { originals++; return nil })
	if originals != 1 {
		t.Errorf("%d originals stored for one content", originals)
	}
}

func TestPixelLimitKeepsOriginalWithoutThumbnails(t *testing.T) {
	imgs := map[string][]byte{"mmbiz_png/big": solidPNG(1200, 900), "mmbiz_png/small": solidPNG(200, 100)}
	src := "![](https://mmbiz.qpic.cn/mmbiz_png/big/0?wx_fmt=png)\n![](https://mmbiz.qpic.cn/mmbiz_png/small/0?wx_fmt=png)\n"
	store, _, rep := runPipeline(t, imgs, src, func(o *archive.Options) {
		o.Thumbs = thumbs.Options{MaxPixels: 1_000_000}
	})
	if rep.Totals.Archived != 2 {
		t.Fatalf("totals %+v", rep.Totals)
	}
	m := loadManifest(t, store)
	big, small := m.Images[0], m.Images[1]
	if len(big.Thumbnails) != 0 || !strings.Contains(big.ThumbnailNote, "pixels") {
		t.Errorf("over-limit image: %d thumbnails, note %q", len(big.Thumbnails), big.ThumbnailNote)
	}
	if len(small.Thumbnails) != 0 || !strings.Contains(small.ThumbnailNote, "320") || !strings.Contains(small.ThumbnailNote, "640") {
		t.Errorf("narrow image: %d thumbnails, note %q (must say no upscaling for 320 and 640)", len(small.Thumbnails), small.ThumbnailNote)
	}
	if _, err := store.Stat(context.Background(), big.Key); err != nil {
		t.Errorf("over-limit original not stored: %v", err)
	}
}

func TestCancelledRunRecordsNothingFalse(t *testing.T) {
	imgs := map[string][]byte{"mmbiz_png/a": solidPNG(10, 10)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := origin.New(imgs)
	srv := httptest.NewServer(o)
	defer srv.Close()
	allow := imgurl.NewAllowList(imgurl.DefaultHosts, false)
	store := memstore.New()
	rep, err := archive.Run(ctx, archive.Options{Store: store, Out: t.TempDir(), Allow: allow,
		Fetch: fetch.Options{AllowPrivate: true, Transport: toServer{srv.Listener.Addr().String()}}},
		[]archive.Input{{Source: "a.md", Rel: "a.md", Data: []byte("![](https://mmbiz.qpic.cn/mmbiz_png/a/0)\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || rep.Totals.Archived != 0 {
		t.Errorf("cancelled run: interrupted=%v, totals %+v", rep.Interrupted, rep.Totals)
	}
}

// countingGets counts Gets of URL index entries.
type countingGets struct {
	storage.Store
	mu    sync.Mutex
	index int
}

func (c *countingGets) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	if strings.HasPrefix(key, "index/") {
		c.mu.Lock()
		c.index++
		c.mu.Unlock()
	}
	return c.Store.Get(ctx, key)
}

func TestImageSharedAcrossChunksLookedUpOnce(t *testing.T) {
	imgs := map[string][]byte{"mmbiz_png/shared": solidPNG(50, 50)}
	o := origin.New(imgs)
	srv := httptest.NewServer(o)
	defer srv.Close()
	allow := imgurl.NewAllowList(imgurl.DefaultHosts, false)
	store := &countingGets{Store: memstore.New()}
	var inputs []archive.Input
	for i := 0; i < 250; i++ { // three chunks
		inputs = append(inputs, archive.Input{Source: fmt.Sprint(i), Rel: fmt.Sprintf("a%d.md", i),
			Data: []byte(fmt.Sprintf("# %d\n\n![](https://mmbiz.qpic.cn/mmbiz_png/shared/0)\n", i))})
	}
	rep, err := archive.Run(context.Background(), archive.Options{Store: store, Out: t.TempDir(), Allow: allow,
		Fetch: fetch.Options{AllowPrivate: true, Transport: toServer{srv.Listener.Addr().String()}}}, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Archived != 250 || o.Count() != 1 || rep.Totals.Unique != 1 || rep.Totals.Fetched != 1 {
		t.Fatalf("archived %d, origin requests %d, totals %+v", rep.Totals.Archived, o.Count(), rep.Totals)
	}
	if store.index != 1 {
		t.Errorf("the URL index was read %d times for one image shared by three chunks", store.index)
	}
}
