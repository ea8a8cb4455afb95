package s3store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		raw     string
		want    Config
		wantErr string // substring of the error; "" for success
	}{
		{raw: "s3://bucket", want: Config{Bucket: "bucket"}},
		{raw: "s3://bucket/", want: Config{Bucket: "bucket"}},
		{raw: "s3://bucket/archive/wx", want: Config{Bucket: "bucket", Prefix: "archive/wx"}},
		{raw: "s3://bucket//archive/wx//", want: Config{Bucket: "bucket", Prefix: "archive/wx"}},
		{raw: "s3://my.bucket-1/p?region=eu-central-1", want: Config{Bucket: "my.bucket-1", Prefix: "p", Region: "eu-central-1"}},
		{
			raw: "s3://b01/x?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true&checksum=when_required",
			want: Config{Bucket: "b01", Prefix: "x", Endpoint: "http://127.0.0.1:9000", Region: "us-east-1",
				PathStyle: true, ChecksumWhenRequired: true},
		},
		{raw: "s3://b01?endpoint=https%3A%2F%2Facc.r2.cloudflarestorage.com%2F", want: Config{Bucket: "b01", Endpoint: "https://acc.r2.cloudflarestorage.com"}},
		{raw: "s3://b01?path_style=false&checksum=when_supported", want: Config{Bucket: "b01"}},
		{raw: "s3://b01?path_style=1", want: Config{Bucket: "b01", PathStyle: true}},

		{raw: "", wantErr: "scheme"},
		{raw: "/local/dir", wantErr: "scheme"},
		{raw: "gs://bucket", wantErr: `scheme "gs"`},
		{raw: "s3://", wantErr: "missing bucket"},
		{raw: "s3:///prefix", wantErr: "missing bucket"},
		{raw: "s3:bucket", wantErr: "expected s3://BUCKET"},
		{raw: "s3://ab", wantErr: "3 to 63"},
		{raw: "s3://bad*bucket", wantErr: "invalid character"},
		{raw: "s3://AKIAEXAMPLE:s3cr3t@bucket/p", wantErr: "credentials do not belong"},
		{raw: "s3://bucket/p?foo=1&bar=2", wantErr: "unknown parameter(s) bar, foo"},
		{raw: "s3://bucket/p?Region=x", wantErr: "unknown parameter(s) Region"},
		{raw: "s3://bucket/p?region=a&region=b", wantErr: "region given 2 times"},
		{raw: "s3://bucket/p?region=", wantErr: "bad region"},
		{raw: "s3://bucket/p?path_style=yes", wantErr: "path_style"},
		{raw: "s3://bucket/p?checksum=never", wantErr: "checksum"},
		{raw: "s3://bucket/p?endpoint=127.0.0.1:9000", wantErr: "endpoint must be"},
		{raw: "s3://bucket/p?endpoint=ftp://host", wantErr: "endpoint must be"},
		{raw: "s3://bucket/p?endpoint=", wantErr: "endpoint must be"},
		{raw: "s3://bucket/p?endpoint=http://u:pw@host", wantErr: "credentials do not belong"},
		{raw: "s3://bucket/a/../b", wantErr: "bad prefix"},
		{raw: "s3://bucket/.hidden", wantErr: "bad prefix"},
		{raw: "s3://bucket/p#frag", wantErr: "fragment"},
	}
	for _, tc := range tests {
		got, err := ParseURL(tc.raw)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseURL(%q) error = %v, want one containing %q", tc.raw, err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("ParseURL(%q) error %q repeats the password", tc.raw, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.raw, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, want %+v", tc.raw, got, tc.want)
		}
	}
}

// isolateEnv keeps the AWS configuration chain away from the developer's
// ~/.aws files and AWS_* variables.
func isolateEnv(t *testing.T) {
	t.Helper()
	missing := filepath.Join(t.TempDir(), "missing")
	for _, k := range []string{
		"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", missing)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", missing)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestURLAndString(t *testing.T) {
	isolateEnv(t)
	tests := []struct {
		cfg      Config
		key      string
		url, str string
	}{
		{
			Config{Bucket: "imgs", Region: "eu-west-1"}, "a/b.png",
			"https://imgs.s3.eu-west-1.amazonaws.com/a/b.png",
			"s3://imgs (AWS, region eu-west-1)",
		},
		{
			Config{Bucket: "imgs", Prefix: "wx/"}, "a b+c%.png",
			"https://imgs.s3.us-east-1.amazonaws.com/wx/a%20b%2Bc%25.png",
			"s3://imgs/wx (AWS, region us-east-1)",
		},
		{
			Config{Bucket: "my.imgs", Region: "eu-west-1"}, "k",
			"https://s3.eu-west-1.amazonaws.com/my.imgs/k",
			"s3://my.imgs (AWS, region eu-west-1)",
		},
		{
			Config{Bucket: "imgs", Prefix: "p", Endpoint: "http://127.0.0.1:9000", PathStyle: true, ChecksumWhenRequired: true}, "日本.png",
			"http://127.0.0.1:9000/imgs/p/%E6%97%A5%E6%9C%AC.png",
			"s3://imgs/p (endpoint http://127.0.0.1:9000, region us-east-1, path-style, checksum=when_required)",
		},
		{
			Config{Bucket: "imgs", Endpoint: "https://acc.r2.cloudflarestorage.com", Region: "auto"}, "x/y.jpg",
			"https://imgs.acc.r2.cloudflarestorage.com/x/y.jpg",
			"s3://imgs (endpoint https://acc.r2.cloudflarestorage.com, region auto)",
		},
		{
			Config{Bucket: "imgs", Endpoint: "https://minio.example.com:9000/", PathStyle: true}, "q?x#y",
			"https://minio.example.com:9000/imgs/q%3Fx%23y",
			"s3://imgs (endpoint https://minio.example.com:9000, region us-east-1, path-style)",
		},
	}
	for _, tc := range tests {
		s, err := New(context.Background(), tc.cfg)
		if err != nil {
			t.Fatalf("New(%+v): %v", tc.cfg, err)
		}
		if got := s.URL(tc.key); got != tc.url {
			t.Errorf("%+v: URL(%q) = %s, want %s", tc.cfg, tc.key, got, tc.url)
		}
		if got := s.String(); got != tc.str {
			t.Errorf("%+v: String() = %s, want %s", tc.cfg, got, tc.str)
		}
	}
}

func TestURLFromEnvEndpoint(t *testing.T) {
	isolateEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9999")
	t.Setenv("AWS_REGION", "eu-north-1")
	s, err := New(context.Background(), Config{Bucket: "imgs"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.URL("k"), "http://127.0.0.1:9999/imgs/k"; got != want {
		t.Errorf("URL = %s, want %s", got, want)
	}
	// The endpoint parameter overrides the environment.
	s, err = New(context.Background(), Config{Bucket: "imgs", Endpoint: "https://s3.example.net", Region: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "s3://imgs (endpoint https://s3.example.net, region r1)"; got != want {
		t.Errorf("String = %s, want %s", got, want)
	}
}

func TestNewRejects(t *testing.T) {
	isolateEnv(t)
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "missing bucket"},
		{Config{Bucket: "b01", PartSize: 1 << 20}, "part size"},
		{Config{Bucket: "b01", Prefix: "a//b"}, "bad prefix"},
		{Config{Bucket: "b01", Endpoint: "localhost:9000"}, "endpoint must be"},
	} {
		_, err := New(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) error = %v, want one containing %q", tc.cfg, err, tc.want)
		}
	}
}

func TestPossiblePrefix(t *testing.T) {
	for _, p := range []string{"", "a", "a/", "a/b", "a/b.", "img/ab/1.png/", "a b/ü"} {
		if !possiblePrefix(p) {
			t.Errorf("possiblePrefix(%q) = false", p)
		}
	}
	for _, p := range []string{"/", "../", ".", "a/.", ".meta/", "a//", "a\\", "a\x00", strings.Repeat("a", 1025)} {
		if possiblePrefix(p) {
			t.Errorf("possiblePrefix(%q) = true", p)
		}
	}
}
