package serve

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/imgmirror/imgmirror/storage"
)

// checkTimeout bounds one health check of the store.
const checkTimeout = 5 * time.Second

// Options configure a Handler.
type Options struct {
	// Store is served read-only. Required.
	Store storage.Store
	// PublicURL is the base URL the store is served from (a CDN), or "".
	// HTML pages allow images from it, and links under it are shown as
	// local paths.
	PublicURL string
	// Check, if set, is run by /healthz, which answers 503 when it fails.
	// It must not write: the server is read-only (the file store's own
	// Check creates a temporary file).
	Check func(context.Context) error
	// Logger receives store errors; nil discards.
	Logger *slog.Logger
}

// Handler is the http.Handler of the server. Create it with New; it is
// safe for concurrent use.
type Handler struct {
	store     storage.Store
	publicURL string // without trailing slash, "" if none
	check     func(context.Context) error
	log       *slog.Logger
	pageCSP   string
	index     *template.Template
	view      *template.Template
}

// New returns a Handler serving opts.Store.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil {
		return nil, errors.New("serve: no store")
	}
	h := &Handler{store: opts.Store, check: opts.Check, log: opts.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	imgSrc := "'self'"
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("serve: public URL %q is not an http(s) base URL", opts.PublicURL)
		}
		h.publicURL = strings.TrimRight(opts.PublicURL, "/")
		imgSrc += " " + cspSource(u)
	}
	h.pageCSP = "default-src 'none'; img-src " + imgSrc + "; style-src '" + styleHash() + "'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
	var err error
	if h.index, err = template.New("index").Parse(indexTemplate); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if h.view, err = template.New("view").Parse(viewTemplate); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return h, nil
}

// cspSource is the CSP source expression for the base URL u: its origin
// and path, with a trailing slash so that everything below it matches.
func cspSource(u *url.URL) string {
	p := strings.TrimRight(u.EscapedPath(), "/")
	// CSP source expressions end at ';' or ',' and spaces; those are
	// percent-encoded by EscapedPath already.
	return u.Scheme + "://" + u.Host + p + "/"
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") || hasEncodedSeparator(r.URL.RawPath) {
		h.fail(w, http.StatusBadRequest)
		return
	}
	switch {
	case p == "/":
		h.serveIndex(w, r)
	case p == "/healthz":
		h.serveHealth(w, r)
	case strings.HasPrefix(p, "/view/"):
		h.serveView(w, r, p[len("/view/"):])
	default:
		h.serveObject(w, r, p[1:])
	}
}

// hasEncodedSeparator reports whether the raw path of a request (set
// whenever it differs from the default escaping of the path) hides a
// slash or a backslash (%2F, %5C): no key needs one, and decoding them would let a
// request mean another path than it shows.
func hasEncodedSeparator(escaped string) bool {
	l := strings.ToLower(escaped)
	return strings.Contains(l, "%2f") || strings.Contains(l, "%5c")
}

// serveHealth answers probes: "ok" unless the store check fails.
func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if h.check != nil {
		ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
		defer cancel()
		if err := h.check(ctx); err != nil {
			h.log.Error("health check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "store unavailable")
			return
		}
	}
	fmt.Fprintln(w, "ok")
}

// fail writes a short plain-text error that no cache keeps.
func (h *Handler) fail(w http.ResponseWriter, code int) {
	hdr := w.Header()
	for _, k := range []string{"ETag", "Last-Modified", "Content-Security-Policy", "Content-Encoding"} {
		hdr.Del(k)
	}
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintln(w, http.StatusText(code))
}

// storeError answers a failed store call: 404 for a missing object,
// nothing for a request that went away, 500 (logged) otherwise.
func (h *Handler) storeError(w http.ResponseWriter, r *http.Request, key string, err error) {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		h.fail(w, http.StatusNotFound)
	case errors.Is(err, storage.ErrInvalidKey):
		h.fail(w, http.StatusBadRequest)
	case r.Context().Err() != nil:
		// The client is gone; nobody reads an answer.
	default:
		h.log.Error("store error", "key", key, "err", err)
		h.fail(w, http.StatusInternalServerError)
	}
}
