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
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgmirror/imgmirror/storage"
)

// Stat returns the object's metadata (HeadObject).
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := storage.ValidKey(key); err != nil {
		return storage.Info{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.fullKey(key)),
	})
	if err != nil {
		return storage.Info{}, s.readError("stat", key, err)
	}
	return storage.Info{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		ContentType:  aws.ToString(out.ContentType),
		CacheControl: aws.ToString(out.CacheControl),
		ModTime:      aws.ToTime(out.LastModified),
		ETag:         unquote(aws.ToString(out.ETag)),
	}, nil
}

// Get returns the object's bytes and metadata (GetObject). The caller
// closes the body.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	if err := storage.ValidKey(key); err != nil {
		return nil, storage.Info{}, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.fullKey(key)),
	})
	if err != nil {
		return nil, storage.Info{}, s.readError("get", key, err)
	}
	info := storage.Info{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		ContentType:  aws.ToString(out.ContentType),
		CacheControl: aws.ToString(out.CacheControl),
		ModTime:      aws.ToTime(out.LastModified),
		ETag:         unquote(aws.ToString(out.ETag)),
	}
	return &readErrorWrapper{rc: out.Body, where: s.where(key)}, info, nil
}

// readErrorWrapper names the object in errors met while reading a body
// (a checksum mismatch, a dropped connection).
type readErrorWrapper struct {
	rc    io.ReadCloser
	where string
}

func (w *readErrorWrapper) Read(p []byte) (int, error) {
	n, err := w.rc.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("s3 get %s: read body: %w", w.where, err)
	}
	return n, err
}

func (w *readErrorWrapper) Close() error { return w.rc.Close() }

func (s *Store) readError(op, key string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("s3 %s %s: %w", op, s.where(key), storage.ErrNotFound)
	}
	return s.errorf(op, key, err)
}

// List calls fn for each object whose key starts with prefix, in lexical
// order (ListObjectsV2). Keys are given without the store's prefix.
// Objects under the store prefix whose remaining key is not a valid store
// key (written by other tools) are skipped.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Info) error) error {
	if !possiblePrefix(prefix) {
		// No valid key starts with it (and some servers reject such
		// prefixes, e.g. MinIO refuses ".." components).
		return nil
	}
	base := ""
	if s.prefix != "" {
		base = s.prefix + "/"
	}
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(base + prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("s3 list s3://%s/%s: %w", s.bucket, base+prefix, err)
		}
		for _, obj := range page.Contents {
			full := aws.ToString(obj.Key)
			key, ok := strings.CutPrefix(full, base)
			if !ok || storage.ValidKey(key) != nil {
				continue
			}
			if err := fn(storage.Info{
				Key:     key,
				Size:    aws.ToInt64(obj.Size),
				ModTime: aws.ToTime(obj.LastModified),
				ETag:    unquote(aws.ToString(obj.ETag)),
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// possiblePrefix reports whether some key valid for storage.ValidKey can
// start with p.
func possiblePrefix(p string) bool {
	if len(p) > 1024 || strings.ContainsFunc(p, func(c rune) bool { return c < 0x20 || c == 0x7f || c == '\\' }) {
		return false
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		if (!last && seg == "") || (seg != "" && seg[0] == '.') {
			return false
		}
	}
	return true
}

func unquote(etag string) string {
	if len(etag) >= 2 && etag[0] == '"' && etag[len(etag)-1] == '"' {
		return etag[1 : len(etag)-1]
	}
	return etag
}
