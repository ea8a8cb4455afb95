// Package fetch downloads one image politely and safely, hashing it while it
// streams.
//
// A Fetcher is built once by New and shared by all goroutines. Each call to
// Fetcher.Fetch tries a list of alternative URLs for the same image and
// returns the first body that is a real JPEG, PNG, GIF or WebP image.
//
// The layers, composed in New from the outside in:
//
//   - the retry loop in Fetch: exponential backoff with full jitter on
//     timeouts, connection resets, short bodies, 5xx, 408 and 429; no retry
//     on other 4xx, refused URLs, placeholders, non-images or oversized
//     bodies;
//   - an http.Client whose CheckRedirect applies the URL rules (http/https
//     only, no user-info, Options.Allow) to every hop, limits the number of
//     redirects and strips the Referer header;
//   - a per-host rate limiter (a token bucket per host, see Options.Rate)
//     that every HTTP request takes a token from, including retries and
//     redirect hops; a 429 or 503 response blocks its host until the
//     Retry-After time and halves the host's rate for a while;
//   - a per-request headers timeout (Options.Timeout);
//   - the base transport, by default a clone of http.DefaultTransport (so
//     HTTP_PROXY, HTTPS_PROXY, NO_PROXY and the system certificate roots
//     keep working) whose dials go through a GuardDialer that refuses
//     loopback, private, link-local and other non-public addresses.
//
// While the body streams it is hashed (SHA-256), counted against
// Options.MaxBytes, watched for stalls (Options.Timeout without a byte
// aborts the attempt) and sniffed from its first bytes. Bodies up to 4 MiB
// stay in memory; larger ones spill to a temporary file that Result.Close
// removes. Content-Type is reported in messages but never trusted.
//
// Every failure is an *Error whose Err wraps one of the sentinel errors
// (ErrHTTPStatus, ErrNotImage, ErrPlaceholder, ...), so callers can use
// errors.Is.
package fetch
