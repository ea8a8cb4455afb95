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
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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
