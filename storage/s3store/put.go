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
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/imgmirror/imgmirror/storage"
)

// Put stores r under key; see the package documentation for the protocol.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts storage.PutOptions) (bool, error) {
	if err := storage.ValidKey(key); err != nil {
		return false, err
	}
	var want []byte
	if opts.SHA256 != "" {
		b, err := hex.DecodeString(opts.SHA256)
		if err != nil || len(b) != sha256.Size || opts.SHA256 != strings.ToLower(opts.SHA256) {
			return false, s.errorf("put", key, fmt.Errorf("PutOptions.SHA256 %q is not a lowercase hex SHA-256", opts.SHA256))
		}
		want = b
	}
	if !opts.Overwrite {
		exists, err := s.exists(ctx, key)
		if err != nil {
			return false, s.errorf("put (existence check)", key, err)
		}
		if exists {
			return false, nil
		}
	}
	var err error
	if rs, ok := r.(io.ReadSeeker); ok && want != nil && opts.Size >= 0 && opts.Size <= maxSinglePut {
		err = s.putSeekable(ctx, key, rs, opts, want)
	} else if opts.Size >= 0 && opts.Size <= s.partSize {
		err = s.putSmall(ctx, key, r, opts, want)
	} else {
		err = s.putStream(ctx, key, r, opts, want)
	}
	if err == nil {
		return true, nil
	}
	if !opts.Overwrite {
		if isPreconditionFailed(err) {
			return false, nil
		}
		if isConditionalConflict(err) {
			// A concurrent conditional write was in progress. If it
			// produced the object, we lost the race, which is fine.
			if exists, herr := s.exists(ctx, key); herr == nil && exists {
				return false, nil
			}
		}
	}
	return false, s.errorf("put", key, err)
}

// exists reports whether an object is stored under key.
func (s *Store) exists(ctx context.Context, key string) (bool, error) {
	_, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.fullKey(key)),
	})
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, err
}

// putSmall buffers the object, verifies it, and sends one PutObject.
// maxSinglePut is the largest object S3 takes in one PutObject.
const maxSinglePut = 5 << 30

// putSeekable sends a seekable body of known size and digest as one
// PutObject streamed from r: no copy in memory and no multipart part pool,
// whatever the size (the pipeline's bodies are spooled, seekable files).
// The server checks the SHA-256 checksum header; with checksum=when_required
// the body is hashed here first instead.
func (s *Store) putSeekable(ctx context.Context, key string, r io.ReadSeeker, opts storage.PutOptions, want []byte) error {
	if s.whenRequired {
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if n != opts.Size {
			return fmt.Errorf("reader yielded %d bytes, PutOptions.Size is %d", n, opts.Size)
		}
		if sum := h.Sum(nil); !bytes.Equal(sum, want) {
			return fmt.Errorf("content SHA-256 %x does not match PutOptions.SHA256 %x", sum, want)
		}
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("seek: %w", err)
		}
	}
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.fullKey(key)),
		Body:          r,
		ContentLength: aws.Int64(opts.Size),
	}
	setHeaders(&in.ContentType, &in.CacheControl, opts)
	if !opts.Overwrite {
		in.IfNoneMatch = aws.String("*")
	}
	if !s.whenRequired {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmSha256
		in.ChecksumSHA256 = aws.String(base64.StdEncoding.EncodeToString(want))
	}
	_, err := s.client.PutObject(ctx, in)
	return err
}

func (s *Store) putSmall(ctx context.Context, key string, r io.Reader, opts storage.PutOptions, want []byte) error {
	buf := make([]byte, opts.Size)
	if n, err := io.ReadFull(r, buf); err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return fmt.Errorf("reader yielded %d bytes, PutOptions.Size is %d", n, opts.Size)
		}
		return fmt.Errorf("read: %w", err)
	}
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		if n > 0 {
			return fmt.Errorf("reader yielded more than PutOptions.Size (%d) bytes", opts.Size)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
	}
	sum := sha256.Sum256(buf)
	if want != nil && !bytes.Equal(sum[:], want) {
		return fmt.Errorf("content SHA-256 %x does not match PutOptions.SHA256 %x", sum, want)
	}
	return s.putObject(ctx, key, buf, sum[:], opts)
}

// putObject sends one PutObject of body claiming checksum sum; tests call
// it directly with a wrong sum to check that the server verifies it.
func (s *Store) putObject(ctx context.Context, key string, body []byte, sum []byte, opts storage.PutOptions) error {
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.fullKey(key)),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	}
	setHeaders(&in.ContentType, &in.CacheControl, opts)
	if !opts.Overwrite {
		in.IfNoneMatch = aws.String("*")
	}
	if !s.whenRequired {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmSha256
		in.ChecksumSHA256 = aws.String(base64.StdEncoding.EncodeToString(sum))
	}
	_, err := s.client.PutObject(ctx, in)
	return err
}

func setHeaders(contentType, cacheControl **string, opts storage.PutOptions) {
	if opts.ContentType != "" {
		*contentType = aws.String(opts.ContentType)
	}
	if opts.CacheControl != "" {
		*cacheControl = aws.String(opts.CacheControl)
	}
}

// putStream uploads through the transfer manager.
func (s *Store) putStream(ctx context.Context, key string, r io.Reader, opts storage.PutOptions, want []byte) error {
	vr := &verifyingReader{r: r, size: opts.Size, want: want, h: sha256.New()}
	in := &transfermanager.UploadObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.fullKey(key)),
		Body:   vr,
	}
	setHeaders(&in.ContentType, &in.CacheControl, opts)
	if !opts.Overwrite {
		in.IfNoneMatch = aws.String("*")
	}
	if opts.Size > 0 {
		// Lets the transfer manager size parts for huge objects and send
		// the expected total on completion.
		in.ContentLength = aws.Int64(opts.Size)
	}
	_, err := s.tm.UploadObject(ctx, in)
	if err != nil {
		// Report the reader's own verdict rather than the transfer
		// manager's wrapping of it.
		if vr.err != nil {
			return vr.err
		}
		return err
	}
	if !vr.done {
		// The transfer manager stops reading when it has what it needs
		// only at EOF, so this would be a bug; refuse to claim success.
		return errors.New("internal error: upload finished before the reader was exhausted")
	}
	return nil
}

// verifyingReader counts and hashes what passes through it and, at EOF,
// turns a length or digest mismatch into a read error so that the upload
// is abandoned before it completes.
type verifyingReader struct {
	r    io.Reader
	size int64  // expected length, or -1
	want []byte // expected SHA-256, or nil
	h    hash.Hash
	n    int64
	done bool  // reached a verified EOF
	err  error // the verification error, once reported
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	v.n += int64(n)
	v.h.Write(p[:n])
	if v.size >= 0 && v.n > v.size {
		v.err = fmt.Errorf("reader yielded more than PutOptions.Size (%d) bytes", v.size)
		return 0, v.err
	}
	if err == io.EOF {
		switch {
		case v.size >= 0 && v.n != v.size:
			v.err = fmt.Errorf("reader yielded %d bytes, PutOptions.Size is %d", v.n, v.size)
		case v.want != nil && !bytes.Equal(v.h.Sum(nil), v.want):
			v.err = fmt.Errorf("content SHA-256 %x does not match PutOptions.SHA256 %x", v.h.Sum(nil), v.want)
		}
		if v.err != nil {
			return 0, v.err
		}
		v.done = true
	} else if err != nil {
		v.err = fmt.Errorf("read: %w", err)
		return n, v.err
	}
	return n, err
}
