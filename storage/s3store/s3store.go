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
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/imgmirror/imgmirror/storage"
)

const (
	// DefaultPartSize is the multipart threshold and part size when
	// Config.PartSize is zero.
	DefaultPartSize = 16 << 20
	// MinPartSize is the smallest part S3 accepts (except for the last).
	MinPartSize = 5 << 20
	// MaxAttempts bounds the attempts of every request (first try
	// included).
	MaxAttempts = 5
	// checkAttempts bounds Check's HeadBucket, so that a wrong endpoint is
	// reported quickly.
	checkAttempts = 2
	// uploadConcurrency is the number of parts in flight per multipart upload.
	uploadConcurrency = 4
)

// Config says which bucket to use and how to reach it. Credentials are not
// part of it: they come from the standard AWS chain.
type Config struct {
	// Bucket and Prefix come from s3://BUCKET/PREFIX. Every key is stored
	// as PREFIX/KEY (or KEY when Prefix is empty).
	Bucket, Prefix string
	// Endpoint is the S3 API base URL (endpoint= parameter). It overrides
	// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL and the shared config. Empty
	// means those, and failing them AWS itself.
	Endpoint string
	// Region (region= parameter) overrides AWS_REGION and the shared
	// config.
	Region string
	// PathStyle (path_style=true) addresses the bucket as
	// ENDPOINT/BUCKET/KEY instead of BUCKET.HOST/KEY.
	PathStyle bool
	// ChecksumWhenRequired (checksum=when_required) is for providers that
	// reject the newer default checksum headers: it sets the SDK's
	// RequestChecksumCalculation and ResponseChecksumValidation to
	// WhenRequired and stops Put sending x-amz-checksum-sha256 (see the
	// package documentation for how integrity is still ensured).
	ChecksumWhenRequired bool
	// HTTPClient, when set, sends every request (tests count them with it).
	HTTPClient *http.Client
	// PartSize is the multipart threshold and part size; 0 means
	// DefaultPartSize, and it must be at least MinPartSize.
	PartSize int64
}

// Store is a storage.Store on an S3 bucket. It implements storage.Checker
// and storage.URLer. It is safe for concurrent use.
type Store struct {
	client       *s3.Client
	tm           *transfermanager.Client
	bucket       string
	prefix       string // without slashes at either end; "" for none
	endpoint     string // effective endpoint for display and URL; "" for AWS
	region       string
	pathStyle    bool
	whenRequired bool // effective RequestChecksumCalculation is WhenRequired
	partSize     int64
}

var (
	_ storage.Store   = (*Store)(nil)
	_ storage.Checker = (*Store)(nil)
	_ storage.URLer   = (*Store)(nil)
)

// New returns a store for cfg. It loads the standard AWS configuration
// chain, which may read files but sends no request; use Check to verify
// that the bucket is reachable.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if err := validBucket(cfg.Bucket); err != nil {
		return nil, errors.New(strings.Replace(err.Error(), "s3 store URL: ", "s3 store: ", 1))
	}
	prefix, err := cleanPrefix(cfg.Prefix)
	if err != nil {
		return nil, err
	}
	if cfg.Endpoint != "" {
		if err := validEndpoint(cfg.Endpoint); err != nil {
			return nil, errors.New(strings.Replace(err.Error(), "s3 store URL: ", "s3 store: ", 1))
		}
	}
	partSize := cfg.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < MinPartSize {
		return nil, fmt.Errorf("s3 store: part size %d is below the S3 minimum of %d bytes", partSize, MinPartSize)
	}

	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = MaxAttempts
				o.MaxBackoff = 10 * time.Second
			})
		}),
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(cfg.HTTPClient))
	}
	if cfg.ChecksumWhenRequired {
		opts = append(opts,
			config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
			config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3 store s3://%s: load AWS configuration: %w", cfg.Bucket, err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		if cfg.PathStyle {
			o.UsePathStyle = true
		}
		// Objects uploaded in parts have no full-object checksum to
		// validate on GetObject; that is expected, not worth a warning
		// on stderr for every large object read.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	o := client.Options()
	s := &Store{
		client:       client,
		bucket:       cfg.Bucket,
		prefix:       prefix,
		region:       o.Region,
		pathStyle:    o.UsePathStyle,
		whenRequired: o.RequestChecksumCalculation == aws.RequestChecksumCalculationWhenRequired,
		partSize:     partSize,
	}
	if o.BaseEndpoint != nil && *o.BaseEndpoint != "" {
		s.endpoint = redactEndpoint(*o.BaseEndpoint)
	}
	s.tm = transfermanager.New(client, func(to *transfermanager.Options) {
		to.PartSizeBytes = partSize
		to.MultipartUploadThreshold = partSize
		to.Concurrency = uploadConcurrency
		// Abort a failed multipart upload with a fresh context even when
		// the caller's context was cancelled.
		to.FailTimeout = 30 * time.Second
		// The transfer manager overrides the client's setting per call,
		// so it must be told too.
		if s.whenRequired {
			to.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		} else {
			to.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
			to.ChecksumAlgorithm = tmtypes.ChecksumAlgorithmSha256
		}
	})
	return s, nil
}

// fullKey is the object key in the bucket for a store key.
func (s *Store) fullKey(key string) string {
	if s.prefix == "" {
		return key
	}
	return s.prefix + "/" + key
}

// where names an object in errors: s3://bucket/prefix/key.
func (s *Store) where(key string) string {
	return "s3://" + s.bucket + "/" + s.fullKey(key)
}

func (s *Store) errorf(op, key string, err error) error {
	if isThrottled(err) {
		return fmt.Errorf("s3 %s %s: %w (%w)", op, s.where(key), err, storage.ErrThrottled)
	}
	return fmt.Errorf("s3 %s %s: %w", op, s.where(key), err)
}

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
	if opts.Size >= 0 && opts.Size <= s.partSize {
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
