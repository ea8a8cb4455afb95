package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/imgmirror/imgmirror/fetch"
	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/thumbs"
)

// record is what the URL index keeps for a normalized URL: everything a
// later run needs to link the image without fetching it.
type record struct {
	Normalized    string      `json:"normalized"`
	SHA256        string      `json:"sha256"`
	Key           string      `json:"key"`
	Ext           string      `json:"ext"`
	ContentType   string      `json:"content_type"`
	Bytes         int64       `json:"bytes"`
	Width         int         `json:"width,omitempty"`
	Height        int         `json:"height,omitempty"`
	Thumbnails    []thumbInfo `json:"thumbnails,omitempty"`
	ThumbnailNote string      `json:"thumbnail_note,omitempty"`
	FetchedFrom   string      `json:"fetched_from,omitempty"`
	FetchedAt     time.Time   `json:"fetched_at"`
}

type thumbInfo struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Key    string `json:"key"`
}

// outcome is the result of archiving one normalized URL.
type outcome struct {
	rec      *record
	err      error
	storeErr bool // the failure was the store's, not the origin's
	reused   bool // found in the URL index; nothing fetched
	again    bool // already archived or looked up earlier in this run
	attempts int
}

// blob is the per-run, per-digest work of storing an original and its
// thumbnails, done once however many URLs lead to the same bytes.
type blob struct {
	once sync.Once
	rec  record
	err  error
}

// imager archives images: one per normalized URL, each digest once.
type imager struct {
	opts               *Options
	fetcher            *fetch.Fetcher
	fetchSem, thumbSem chan struct{}

	mu    sync.Mutex
	blobs map[string]*blob
	known map[string]*record // normalized URL -> record, run-wide (bounded)
}

// maxKnown bounds the run-wide cache of URL index records (a few hundred
// bytes each): beyond it, images repeated across chunks are looked up in
// the store again.
const maxKnown = 100_000

func (im *imager) remembered(normalized string) *record {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.known[normalized]
}

func (im *imager) remember(normalized string, rec *record) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if len(im.known) < maxKnown {
		im.known[normalized] = rec
	}
}

func newImager(opts *Options, f *fetch.Fetcher) *imager {
	return &imager{
		opts: opts, fetcher: f,
		fetchSem: make(chan struct{}, opts.Concurrency),
		thumbSem: make(chan struct{}, opts.ThumbProcs),
		blobs:    map[string]*blob{},
		known:    map[string]*record{},
	}
}

// lookup returns the URL index record of a normalized URL, or nil.
func (im *imager) lookup(ctx context.Context, normalized string) (*record, error) {
	b, _, err := storage.ReadAll(ctx, im.opts.Store, IndexKey(normalized))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil || r.SHA256 == "" || r.Key == "" {
		return nil, nil // a damaged entry is redone, not trusted
	}
	return &r, nil
}

// archive makes sure the image named by normalized (with candidate URLs to
// fetch it from) is in the store, and returns its record.
func (im *imager) archive(ctx context.Context, normalized string, urls []string) outcome {
	if rec := im.remembered(normalized); rec != nil {
		return outcome{rec: rec, reused: true, again: true}
	}
	if !im.opts.Force {
		rec, err := im.lookup(ctx, normalized)
		if err != nil {
			return outcome{err: fmt.Errorf("store: %w", err), storeErr: true}
		}
		if rec != nil {
			im.remember(normalized, rec)
			return outcome{rec: rec, reused: true}
		}
	}
	res, err := im.fetch(ctx, urls)
	if err != nil {
		o := outcome{err: err}
		var fe *fetch.Error
		if errors.As(err, &fe) {
			o.attempts = fe.Attempts
		}
		return o
	}
	defer res.Close()
	b := im.blobFor(res.SHA256)
	b.once.Do(func() { b.rec, b.err = im.store(ctx, res) })
	if b.err != nil {
		return outcome{err: fmt.Errorf("store: %w", b.err), storeErr: true, attempts: res.Attempts}
	}
	rec := b.rec
	rec.Normalized = normalized
	rec.FetchedFrom = res.URL
	rec.FetchedAt = time.Now().UTC()
	if err := im.putJSON(ctx, IndexKey(normalized), rec); err != nil {
		return outcome{err: fmt.Errorf("store: %w", err), storeErr: true, attempts: res.Attempts}
	}
	im.remember(normalized, &rec)
	return outcome{rec: &rec, attempts: res.Attempts}
}

func (im *imager) fetch(ctx context.Context, urls []string) (*fetch.Result, error) {
	select {
	case im.fetchSem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-im.fetchSem }()
	return im.fetcher.Fetch(ctx, urls...)
}

func (im *imager) blobFor(sum string) *blob {
	im.mu.Lock()
	defer im.mu.Unlock()
	b := im.blobs[sum]
	if b == nil {
		b = &blob{}
		im.blobs[sum] = b
	}
	return b
}

// store puts the original (if absent) and its thumbnails (those missing).
func (im *imager) store(ctx context.Context, res *fetch.Result) (record, error) {
	rec := record{SHA256: res.SHA256, Ext: res.Format.Ext, ContentType: res.Format.ContentType, Bytes: res.Size}
	rec.Key = OriginalKey(res.SHA256, res.Format.Ext)
	_, err := put(ctx, im.opts.Store, rec.Key, func() io.Reader { return res.NewReader() }, storage.PutOptions{
		ContentType: rec.ContentType, CacheControl: storage.CacheImmutable,
		Size: res.Size, SHA256: res.SHA256,
	})
	if err != nil {
		return rec, fmt.Errorf("put %s: %w", rec.Key, err)
	}
	if err := im.thumbnails(ctx, res, &rec); err != nil {
		return rec, err
	}
	return rec, nil
}

// thumbnails fills rec's dimensions and thumbnails, making and storing
// only the thumbnails the store lacks.
func (im *imager) thumbnails(ctx context.Context, res *fetch.Result, rec *record) error {
	select {
	case im.thumbSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-im.thumbSem }()
	tr, err := thumbs.Make(res.NewReader(), res.Size, im.opts.Thumbs)
	if err != nil {
		rec.ThumbnailNote = "no thumbnails: " + err.Error()
		return nil
	}
	rec.Width, rec.Height = tr.Width, tr.Height
	var notes []string
	if tr.Reason != "" {
		notes = append(notes, tr.Reason)
	}
	for _, s := range tr.Skipped {
		notes = append(notes, fmt.Sprintf("%d: %s", s.Width, s.Reason))
	}
	rec.ThumbnailNote = strings.Join(notes, "; ")
	for _, t := range tr.Thumbs {
		key := ThumbKey(t.Width, rec.SHA256, t.Ext)
		sum := sha256.Sum256(t.Data)
		_, err := put(ctx, im.opts.Store, key, func() io.Reader { return bytes.NewReader(t.Data) }, storage.PutOptions{
			ContentType: t.ContentType, CacheControl: storage.CacheImmutable,
			Size: int64(len(t.Data)), SHA256: hex.EncodeToString(sum[:]),
		})
		if err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		rec.Thumbnails = append(rec.Thumbnails, thumbInfo{Width: t.Width, Height: t.Height, Key: key})
	}
	return nil
}

// putJSON stores v as an immutable-by-content JSON object (overwritten
// only with --force, when the record may legitimately change).
func (im *imager) putJSON(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	_, err = put(ctx, im.opts.Store, key, func() io.Reader { return bytes.NewReader(b) }, storage.PutOptions{
		ContentType: "application/json", CacheControl: storage.CacheNoCache,
		Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:]), Overwrite: im.opts.Force,
	})
	return err
}
