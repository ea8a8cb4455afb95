// Package s3store is a storage.Store backed by an S3-compatible bucket
// (AWS S3, MinIO, Cloudflare R2, Backblaze B2, Ceph RGW, ...).
//
// # Configuration
//
// A store is named by a URL (see ParseURL):
//
//	s3://BUCKET/PREFIX?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true&checksum=when_required
//
// Credentials, region and endpoint otherwise come from the standard AWS
// chain (config.LoadDefaultConfig): AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
// (and AWS_SESSION_TOKEN), AWS_PROFILE with ~/.aws/config and
// ~/.aws/credentials, AWS_REGION, AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL, SSO,
// web identity, container and instance roles. URL parameters override the
// chain. Without any region us-east-1 is used. Each request gets at most
// MaxAttempts (5) attempts in the SDK's standard retry mode; connection
// errors are retried with short backoffs (a dead endpoint fails within a
// second or so), throttling with longer ones capped at 10 s.
//
// # Writes
//
// Put without Overwrite is put-if-absent. It first sends HeadObject and
// returns created == false without reading r when the key exists: a re-run
// over already-archived images costs one HEAD per object and no upload
// (no PUT request at all). When the object is absent, the upload carries
// If-None-Match: * (on PutObject, or on CompleteMultipartUpload for large
// objects), so a concurrent writer that wins the race between HEAD and PUT
// is detected by the server (412 PreconditionFailed, or a 409
// ConditionalRequestConflict followed by a HEAD that finds the object) and
// Put again returns created == false with a nil error. Put with Overwrite
// sends no HEAD and no condition.
//
// Objects whose size is known and at most Config.PartSize (16 MiB by
// default; every image) are read into memory first — bounded by PartSize,
// it gives SigV4 and retries the seekable body they need whatever reader
// the caller passes (a plain io.Reader is fine) — and the length and
// PutOptions.SHA256 are checked locally before any request is sent; a
// mismatch fails Put with nothing stored. The single PutObject then
// carries x-amz-checksum-sha256 (ChecksumAlgorithm SHA256, base64 of the
// raw digest), so the server also rejects bytes damaged in transit (400
// BadDigest / XAmzContentChecksumMismatch) and stores the digest with the
// object. With checksum=when_required (Config.ChecksumWhenRequired, for
// providers that reject the newer x-amz-checksum-* / x-amz-sdk-checksum-*
// headers) that header is not sent; the request is still signed with the
// payload's SHA-256 (x-amz-content-sha256), which every SigV4 server
// verifies, so end-to-end integrity holds there too.
//
// Larger objects, and those of unknown size (Size -1), are streamed through
// the transfer manager (feature/s3/transfermanager): multipart upload with
// PartSize parts, a few in flight, each part buffered once; an object that
// turns out smaller than PartSize becomes one PutObject. The reader is
// wrapped so that, at its end, a length different from PutOptions.Size or a
// SHA-256 different from PutOptions.SHA256 is a read error: the transfer
// manager then aborts the multipart upload before completing it and
// nothing becomes visible. Each part carries its own SHA-256 checksum
// (not with checksum=when_required) which the server verifies. A crash
// mid-upload leaves an incomplete multipart upload, which is never listed
// or readable; a bucket lifecycle rule (AbortIncompleteMultipartUpload)
// reclaims its space.
//
// # Reads
//
// Stat is HeadObject, Get is GetObject (the SDK validates the stored
// full-object checksum while the body is read, unless
// checksum=when_required), List is ListObjectsV2. A 404 (NoSuchKey,
// NotFound) wraps storage.ErrNotFound. List reports Key, Size, ETag and
// ModTime; ContentType and CacheControl are not part of a listing and are
// left empty (use Stat). ETags are returned without their quotes. Keys
// under the store prefix that are not valid store keys (written by other
// tools) are not listed, and List returns nothing, without a request, for
// a prefix no valid key can start with.
//
// # Limits
//
//   - S3 limits object keys to 1024 bytes, so with a prefix P the longest
//     usable store key is 1023-len(P) bytes; longer ones fail in Put.
//   - HeadObject answers a missing bucket with a bare 404, so Stat (and the
//     existence check in Put) cannot tell it from a missing object; Get,
//     List, Put's upload and Check do. Call Check first.
//   - When the existence check is beaten by a concurrent multipart upload
//     of the same key, the transfer manager logs one line through the
//     standard log package before Put returns created == false.
package s3store

import (
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// isThrottled reports the server asking us to slow down: S3's SlowDown and
// its relatives, or a bare 503 or 429.
func isThrottled(err error) bool {
	switch errorCode(err) {
	case "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests", "RequestThrottled":
		return true
	}
	st := httpStatus(err)
	return st == http.StatusServiceUnavailable || st == http.StatusTooManyRequests
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.HTTPStatusCode()
	}
	return 0
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isNotFound reports a missing object (not a missing bucket, when the
// server says which).
func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	switch errorCode(err) {
	case "NoSuchKey", "NotFound":
		return true
	case "NoSuchBucket":
		return false
	}
	return httpStatus(err) == http.StatusNotFound
}

// isPreconditionFailed reports an If-None-Match: * failure: S3 and MinIO
// answer 412 PreconditionFailed.
func isPreconditionFailed(err error) bool {
	return errorCode(err) == "PreconditionFailed" || httpStatus(err) == http.StatusPreconditionFailed
}

// isConditionalConflict reports S3's 409 ConditionalRequestConflict: a
// concurrent conditional write to the same key.
func isConditionalConflict(err error) bool {
	return errorCode(err) == "ConditionalRequestConflict"
}
