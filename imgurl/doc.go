// Package imgurl knows which image an image URL names: it normalizes
// WeChat CDN URLs to a stable identity (host + "/<prefix>/<id>"), lists the
// URLs worth trying to get the original bytes, and holds the host
// allow-list.
//
// WeChat serves one image under many URLs: mmbiz.qlogo.cn is an alias of
// mmbiz.qpic.cn, http and https are the same, the trailing size segment
// (/0, /640, /300, /s640) picks a rendition, and the query (wx_fmt, tp,
// wxfrom, wx_lazy, from, ...) and fragment only tune delivery. All of them
// normalize to the same key, so the image is fetched and stored once.
package imgurl
