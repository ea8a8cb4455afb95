// Package demo bundles the data behind imgmirror's demo: a short sample
// article in the Markdown format that WeChat article exporters produce, and
// the images it references, keyed the way mmbiz.qpic.cn addresses them.
//
// The article points at https://mmbiz.qpic.cn/<prefix>/<id>/<size>?... URLs
// with made-up identifiers. Serve Images with the origin package (an HTTP
// handler that behaves like the CDN) and the article can be archived offline.
// The article exercises the cases an archiver has to handle: a cover image in
// the metadata header, the same image referenced twice with different size
// segments and queries, a PNG, a WebP served under wx_fmt=jpeg&tp=webp, an
// animated GIF, an image with an EXIF orientation, an HTML <img data-src>
// tag, a link to another mp.weixin.qq.com article, and a fenced code block
// whose image URL must be left untouched. The URL in the code block is the
// only one whose image is not in Images.
//
// The images come from Debian's mate-backgrounds package (GPL-2+);
// assets/ATTRIBUTION.md records their provenance and licence.
package demo
