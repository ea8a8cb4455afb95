package s3store

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// MinIO accepts any signing region, so the region hint is checked here
// with a synthetic AWS-style answer.
func TestExplainRegion(t *testing.T) {
	s := &Store{bucket: "imgs", region: "us-east-1"}
	resp := &http.Response{StatusCode: http.StatusMovedPermanently, Header: http.Header{}}
	resp.Header.Set("X-Amz-Bucket-Region", "eu-west-3")
	err := fmt.Errorf("operation error S3: HeadBucket: %w",
		&smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: errors.New("301")})
	if got := s.explain(err); !strings.Contains(got, "region=eu-west-3") {
		t.Errorf("explain = %q, want a hint to add region=eu-west-3", got)
	}
	resp.StatusCode = http.StatusForbidden
	resp.Header.Set("X-Amz-Bucket-Region", "us-east-1")
	if got := s.explain(err); !strings.Contains(got, "access denied") {
		t.Errorf("explain = %q, want access denied", got)
	}
}
