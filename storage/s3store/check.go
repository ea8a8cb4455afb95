package s3store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// checkTimeout bounds Check when the caller's context has no deadline.
const checkTimeout = 30 * time.Second

// Check verifies with HeadBucket that the endpoint answers, the credentials
// are accepted and the bucket exists. Its error is one line naming the
// bucket and the endpoint with the likely cause; it never includes
// credentials. An unreachable endpoint is tried only twice.
func (s *Store) Check(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, checkTimeout)
		defer cancel()
	}
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)},
		func(o *s3.Options) { o.RetryMaxAttempts = checkAttempts })
	if err == nil {
		return nil
	}
	return fmt.Errorf("s3 store: bucket %q at %s: %s", s.bucket, s.endpointName(), s.explain(err))
}

func (s *Store) endpointName() string {
	if s.endpoint != "" {
		return s.endpoint
	}
	return "AWS S3 (region " + s.region + ")"
}

// explain turns a HeadBucket failure into a short, secret-free cause.
func (s *Store) explain(err error) string {
	status := httpStatus(err)
	code := errorCode(err)
	if r := bucketRegion(err); r != "" && r != s.region {
		return fmt.Sprintf("the bucket is in region %s, not %s (HTTP %d): add region=%s", r, s.region, status, r)
	}
	switch {
	case status == http.StatusNotFound || code == "NoSuchBucket":
		return "bucket does not exist (HTTP 404); create it or fix the bucket name"
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		return fmt.Sprintf("access denied (HTTP %d): check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and the bucket policy", status)
	case status == http.StatusMovedPermanently || code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed":
		return fmt.Sprintf("wrong region or endpoint (HTTP %d %s): set region= or endpoint=", status, code)
	case status != 0:
		if code != "" {
			return fmt.Sprintf("HTTP %d %s", status, code)
		}
		return fmt.Sprintf("HTTP %d", status)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time: check the endpoint and the network"
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return "cannot reach the endpoint: " + oneLine(opErr.Error())
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "cannot resolve the endpoint host: " + oneLine(dnsErr.Error())
	}
	msg := oneLine(err.Error())
	if strings.Contains(msg, "credentials") {
		return "no usable AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE (" + msg + ")"
	}
	return msg
}

// bucketRegion returns the x-amz-bucket-region header of a failed
// response, if any.
func bucketRegion(err error) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.Response != nil {
		return re.Response.Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
