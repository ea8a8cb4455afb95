package archive

import (
	"io"
	"log/slog"
	"runtime"

	"github.com/imgmirror/imgmirror/fetch"
	"github.com/imgmirror/imgmirror/imgurl"
	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/thumbs"
)

// Options configure a Run.
type Options struct {
	Store     storage.Store
	StoreName string // how the store is shown in manifests and messages (no secrets)
	PublicURL string // base URL of the store behind a CDN; "" = relative links (file store) or the store's own URLs
	Out       string // output directory for rewritten articles and manifests
	Allow     *imgurl.AllowList
	AsWritten bool // fetch the URL as written instead of WeChat's original rendition
	Force     bool // ignore the URL index and complete manifests: redo everything
	DryRun    bool // list what would be done; write nothing

	Concurrency int // concurrent fetches (default 8)
	ThumbProcs  int // concurrent thumbnail encoders (default GOMAXPROCS)
	Fetch       fetch.Options
	Thumbs      thumbs.Options

	Version  string       // tool version recorded in manifests
	Logger   *slog.Logger // per-image events; nil discards
	Progress io.Writer    // one line per article; nil discards
	// OnArticle, if set, is called after each article is done (for
	// progress bars).
	OnArticle func(ArticleReport)
	DryRunTo  io.Writer // where --dry-run lists its plan
}

func (o *Options) setDefaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.ThumbProcs <= 0 {
		o.ThumbProcs = runtime.GOMAXPROCS(0)
	}
	if o.Allow == nil {
		o.Allow = imgurl.NewAllowList(imgurl.DefaultHosts, false)
	}
	if o.Out == "" {
		o.Out = "mirrored"
	}
	if o.StoreName == "" {
		o.StoreName = "store"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.DryRunTo == nil {
		o.DryRunTo = io.Discard
	}
}

// DefaultPlaceholders lists the SHA-256 digests of known hotlink
// placeholder images ("此图片来自微信公众平台，未经允许不可引用") that WeChat's
// CDN serves with HTTP 200 instead of the image. A fetched body with one of
// these digests fails as "hotlink placeholder" and is never archived.
// --placeholder-sha256 adds to the list. imgmirror sends no Referer, which
// is what triggers the placeholder, so the list is a second line of
// defence; add the digest of any placeholder you meet.
var DefaultPlaceholders = []string{
	// The placeholder served by imgmirror's own test and demo origin
	// (internal/origin), so that the demo and the tests exercise the check.
	"1a091ff61ceb12398000a3fec87ae993488393b36605055d03ff8558eb69ee95",
}
