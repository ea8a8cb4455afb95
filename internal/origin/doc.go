// Package origin provides an HTTP origin that behaves like WeChat's image
// CDN, mmbiz.qpic.cn, for imgmirror's demo and tests, together with the TLS
// and forward-proxy plumbing needed to drive the real imgmirror binary
// against it.
//
// An Origin serves images at /<prefix>/<id>[/<size>] with any query, the way
// the CDN does: the Content-Type follows the wx_fmt query parameter (or
// tp=webp), not the bytes; requests with a Referer outside qq.com get a
// placeholder image with status 200; and a test can make single images
// misbehave with SetFault, slow everything down with SetLatency, or impose a
// rate limit with SetRateLimit. Every request is logged for assertions.
//
// End-to-end tests leave the article's real https://mmbiz.qpic.cn/... URLs
// alone and reach the Origin the way users behind a proxy do: NewTLSServer
// serves the Origin with a certificate for the CDN's host names signed by a
// fresh CA, and NewProxy starts a forward proxy that tunnels CONNECT requests
// for those names to it. The binary is run with HTTPS_PROXY set to the
// proxy's URL and SSL_CERT_FILE naming a file that holds the CA certificate.
// (Go clients never use a proxy for requests to localhost or 127.0.0.1,
// which is why the real host names are needed.)
package origin
