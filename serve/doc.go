// Package serve is a read-only HTTP origin for an imgmirror store, meant to
// sit behind a CDN, with a minimal human page for browsing the archived
// articles.
//
// Routes (GET and HEAD only; anything else is 405 with an Allow header):
//
//	/KEY         the object stored under KEY, with its Content-Type,
//	             Cache-Control, ETag and Last-Modified; conditional and
//	             Range requests are answered by http.ServeContent
//	/healthz     200 "ok" for probes (503 when Options.Check fails)
//	/            the list of archived articles, from their manifests
//	/view/PATH   the store's copy of the article articles/PATH rendered to
//	             HTML, with its mirrored images and a thumbnail gallery
//
// Keys are the URL-decoded path without its leading slash and must pass
// storage.ValidKey: "..", ".", empty segments, hidden segments (".meta"),
// backslashes and control characters are refused with 400, as is any path
// with an encoded slash or backslash (%2F, %5C), which no key needs. A key
// ending in "/" or naming a prefix rather than an object is 404: there are
// no directory listings.
//
// Validators: content-addressed keys (img/XX/SHA.EXT and
// thumb/W/XX/SHA.EXT) get the SHA-256 in their name as ETag; other keys
// get the store's ETag. Cache-Control is what the store recorded, else
// storage.CacheImmutable under img/ and thumb/ and storage.CacheNoCache
// elsewhere.
//
// Range requests: when the store's body is an io.ReadSeeker (the file
// store's *os.File) it is served as is. Other bodies (memory, S3) are
// streams: a single range is served by reading and discarding the bytes
// before it, which costs a read of the skipped prefix but never spools to
// disk or memory; a request for several ranges is answered with the whole
// object (200), which RFC 9110 allows.
//
// Pages: the view page of articles/PATH lives at /view/PATH, at the same
// depth as the article's key, so the relative links the store copy carries
// (../img/...) resolve to /img/... either way; the renderer also resolves
// them to root-relative paths itself, and turns links under the article's
// or the server's public URL into local paths. Raw HTML in the article is
// never passed through: <img> tags are rebuilt with only src and alt (a
// relative or http(s) URL), and every other tag is shown as escaped text.
// HTML pages carry a strict Content-Security-Policy (no scripts, images
// from 'self' and the public URL, the one stylesheet by hash); raw objects
// carry a sandboxing one and X-Content-Type-Options: nosniff.
package serve
