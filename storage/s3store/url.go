package s3store

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/smithy-go/encoding/httpbinding"

	"github.com/imgmirror/imgmirror/storage"
)

// URL parameters accepted by ParseURL.
var knownParams = []string{"endpoint", "region", "path_style", "checksum"}

// ParseURL parses a store URL:
//
//		s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION&path_style=true&checksum=when_required]
//
//	  - endpoint: the S3 API base URL (http:// or https://), for MinIO, R2,
//	    B2, Ceph and the like. It overrides AWS_ENDPOINT_URL_S3,
//	    AWS_ENDPOINT_URL and the shared config.
//	  - region: overrides AWS_REGION and the shared config.
//	  - path_style: true addresses the bucket as ENDPOINT/BUCKET/KEY rather
//	    than BUCKET.ENDPOINT/KEY (most self-hosted servers need it).
//	  - checksum: when_required (or when_supported, the default) — see
//	    Config.ChecksumWhenRequired.
//
// Credentials never go in the URL: a user or password part is an error, as
// is any other parameter (the error names it).
func ParseURL(raw string) (Config, error) {
	var cfg Config
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse echoes the input, which may hold something secret.
		return cfg, fmt.Errorf("s3 store URL: cannot parse (expected s3://BUCKET/PREFIX?endpoint=...)")
	}
	if u.Scheme != "s3" {
		return cfg, fmt.Errorf("s3 store URL: scheme %q is not s3 (expected s3://BUCKET/PREFIX)", u.Scheme)
	}
	if u.User != nil {
		return cfg, fmt.Errorf("s3 store URL: credentials do not belong in the URL; use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the shared credentials file")
	}
	if u.Opaque != "" {
		return cfg, fmt.Errorf("s3 store URL: expected s3://BUCKET/PREFIX, got s3:%s", u.Opaque)
	}
	if u.Fragment != "" {
		return cfg, fmt.Errorf("s3 store URL: unexpected fragment #%s", u.Fragment)
	}
	cfg.Bucket = u.Host
	if err := validBucket(cfg.Bucket); err != nil {
		return cfg, err
	}
	cfg.Prefix, err = cleanPrefix(u.Path)
	if err != nil {
		return cfg, err
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("s3 store URL: bad query string: %v", err)
	}
	var unknown []string
	for k, vs := range q {
		if !slices.Contains(knownParams, k) {
			unknown = append(unknown, k)
			continue
		}
		if len(vs) != 1 {
			return cfg, fmt.Errorf("s3 store URL: parameter %s given %d times", k, len(vs))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return cfg, fmt.Errorf("s3 store URL: unknown parameter(s) %s (known: %s)",
			strings.Join(unknown, ", "), strings.Join(knownParams, ", "))
	}
	if v := q.Get("endpoint"); v != "" || q.Has("endpoint") {
		if err := validEndpoint(v); err != nil {
			return cfg, err
		}
		cfg.Endpoint = strings.TrimRight(v, "/")
	}
	if q.Has("region") {
		cfg.Region = q.Get("region")
		if cfg.Region == "" || strings.ContainsAny(cfg.Region, "/ :") {
			return cfg, fmt.Errorf("s3 store URL: bad region %q", cfg.Region)
		}
	}
	if q.Has("path_style") {
		b, err := strconv.ParseBool(q.Get("path_style"))
		if err != nil {
			return cfg, fmt.Errorf("s3 store URL: path_style=%q: want true or false", q.Get("path_style"))
		}
		cfg.PathStyle = b
	}
	if q.Has("checksum") {
		switch v := q.Get("checksum"); v {
		case "when_required":
			cfg.ChecksumWhenRequired = true
		case "when_supported":
		default:
			return cfg, fmt.Errorf("s3 store URL: checksum=%q: want when_required or when_supported", v)
		}
	}
	return cfg, nil
}

// validBucket applies the parts of the S3 bucket naming rules that matter
// for building requests; the server enforces the rest.
func validBucket(b string) error {
	if b == "" {
		return fmt.Errorf("s3 store URL: missing bucket (expected s3://BUCKET/PREFIX)")
	}
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("s3 store URL: bucket name %q must be 3 to 63 characters", b)
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c >= 'A' && c <= 'Z' || c == '_') {
			return fmt.Errorf("s3 store URL: bucket name %q has invalid character %q", b, c)
		}
	}
	return nil
}

// cleanPrefix trims slashes around a prefix and checks that what remains
// is usable as the start of every key.
func cleanPrefix(p string) (string, error) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	if err := storage.ValidKey(p); err != nil {
		return "", fmt.Errorf("s3 store: bad prefix %q: %w", p, err)
	}
	return p, nil
}

func validEndpoint(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("s3 store URL: endpoint must be an http:// or https:// URL such as https://s3.example.com or http://127.0.0.1:9000")
	}
	if u.User != nil {
		return fmt.Errorf("s3 store URL: credentials do not belong in the endpoint URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("s3 store URL: endpoint must not have a query or fragment (did you forget to escape & in the endpoint?)")
	}
	return nil
}

// URL returns the object's URL: with path-style addressing (path_style=true,
// an IP-address endpoint, or a bucket name that is not a plain DNS label —
// the cases where the SDK addresses the bucket that way too)
// ENDPOINT/BUCKET/PREFIX/KEY, otherwise the virtual-hosted form
// SCHEME://BUCKET.HOST/PREFIX/KEY; without an endpoint (AWS) it is
// https://BUCKET.s3.REGION.amazonaws.com/PREFIX/KEY. The key is
// percent-encoded except for its slashes. Whether the URL can be fetched
// anonymously depends on the bucket's policy.
func (s *Store) URL(key string) string {
	path := httpbinding.EscapePath(s.fullKey(key), false)
	if s.endpoint == "" {
		if !dnsBucket(s.bucket) {
			return "https://s3." + s.region + ".amazonaws.com/" + s.bucket + "/" + path
		}
		return "https://" + s.bucket + ".s3." + s.region + ".amazonaws.com/" + path
	}
	u, err := url.Parse(s.endpoint)
	if err != nil {
		return s.endpoint + "/" + s.bucket + "/" + path
	}
	base := strings.TrimRight(u.Path, "/")
	if s.pathStyle || net.ParseIP(u.Hostname()) != nil || !dnsBucket(s.bucket) {
		return u.Scheme + "://" + u.Host + base + "/" + s.bucket + "/" + path
	}
	return u.Scheme + "://" + s.bucket + "." + u.Host + base + "/" + path
}

// dnsBucket reports whether a bucket name can be used as a host name label.
func dnsBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 || b[0] == '-' || b[len(b)-1] == '-' {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// String describes the store without secrets, e.g.
// "s3://bucket/prefix (endpoint http://127.0.0.1:9000, path-style)".
func (s *Store) String() string {
	var b strings.Builder
	b.WriteString("s3://" + s.bucket)
	if s.prefix != "" {
		b.WriteString("/" + s.prefix)
	}
	if s.endpoint != "" {
		b.WriteString(" (endpoint " + s.endpoint)
	} else {
		b.WriteString(" (AWS")
	}
	b.WriteString(", region " + s.region)
	if s.pathStyle {
		b.WriteString(", path-style")
	}
	if s.whenRequired {
		b.WriteString(", checksum=when_required")
	}
	b.WriteString(")")
	return b.String()
}

// redactEndpoint drops any user info and query from an endpoint for display.
func redactEndpoint(e string) string {
	u, err := url.Parse(e)
	if err != nil {
		return "(unparsable endpoint)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return strings.TrimRight(u.String(), "/")
}
