// Package archive is the pipeline that joins the other packages: it parses
// articles (article), groups their image references by normalized URL
// (imgurl), fetches each image once (fetch), stores the original under its
// content digest (storage), derives thumbnails (thumbs), records it all
// (manifest) and writes the rewritten article, atomically.
//
// Store key layout:
//
//	img/<sha256[0:2]>/<sha256>.<ext>                    originals
//	thumb/<width>/<sha256[0:2]>/<sha256>.<jpg|png>      thumbnails (sha256 of the original)
//	index/url/<sha256 of the normalized URL>.json       URL index: normalized URL -> original
//	articles/<path>.md, articles/<path>.manifest.json   rewritten articles and their manifests
package archive
