package fetch

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	random := make([]byte, 64)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	random[0] = 0x00 // not a magic number
	tests := []struct {
		name    string
		head    []byte
		want    string // format name, or "" for an error
		errLike string // substring of the error
	}{
		{"jpeg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF"), "jpeg", ""},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "png", ""},
		{"gif87a", []byte("GIF87a\x01\x00"), "gif", ""},
		{"gif89a", []byte("GIF89a\x01\x00"), "gif", ""},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "webp", ""},
		{"riff wave", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), "", "not an image"},
		{"truncated webp", []byte("RIFF\x24\x00"), "", "not an image"},
		{"html", []byte("\n  <!DOCTYPE html><html><body>forbidden</body></html>"), "", "HTML page"},
		{"html lowercase", []byte("<html><head><title>x</title>"), "", "HTML page"},
		{"json", []byte(`{"errcode":40001,"errmsg":"invalid"}`), "", "JSON"},
		{"json array", []byte(` [1,2]`), "", "JSON"},
		{"text", []byte("Access denied"), "", "text"},
		{"empty", nil, "", "empty body"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "", "SVG"},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"), "", "AVIF"},
		{"random", random, "", "unknown binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Sniff(tt.head)
			if tt.want != "" {
				if err != nil || f.Name != tt.want {
					t.Fatalf("Sniff = %+v, %v; want %s", f, err, tt.want)
				}
				if f.Ext == "" || !strings.HasPrefix(f.ContentType, "image/") {
					t.Errorf("incomplete format %+v", f)
				}
				return
			}
			if !errors.Is(err, ErrNotImage) {
				t.Fatalf("Sniff error = %v, want ErrNotImage", err)
			}
			if !strings.Contains(err.Error(), tt.errLike) {
				t.Errorf("Sniff error %q does not mention %q", err, tt.errLike)
			}
		})
	}
}

func TestSniffFormats(t *testing.T) {
	f, _ := Sniff([]byte("\xFF\xD8\xFF\xDB"))
	if f != (Format{Name: "jpeg", Ext: "jpg", ContentType: "image/jpeg"}) || f.String() != "jpeg" {
		t.Errorf("jpeg format = %+v", f)
	}
}

func TestIsPublicAddr(t *testing.T) {
	public := []string{"8.8.8.8", "1.1.1.1", "203.0.113.7", "2606:4700::1111", "2001:db8::1", "64:ff9b::808:808", "2002:808:808::1"}
	private := []string{
		"127.0.0.1", "127.1.2.3", "::1", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"fc00::1", "fd12:3456::1", "169.254.169.254", "fe80::1", "fe80::1%eth0", "224.0.0.1", "ff02::1",
		"0.0.0.0", "0.1.2.3", "::", "100.64.0.1", "100.127.255.254", "255.255.255.255", "240.0.0.1",
		"192.0.0.8", "198.18.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
		"::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::1", "2002:a9fe:a9fe::1", "fec0::1",
	}
	for _, s := range public {
		if !IsPublicAddr(netip.MustParseAddr(s)) {
			t.Errorf("IsPublicAddr(%s) = false, want true", s)
		}
	}
	for _, s := range private {
		if IsPublicAddr(netip.MustParseAddr(s)) {
			t.Errorf("IsPublicAddr(%s) = true, want false", s)
		}
	}
	if IsPublicAddr(netip.Addr{}) {
		t.Error("IsPublicAddr(zero) = true")
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{URL: "http://a/x", Reason: "HTTP 404", StatusCode: 404, Attempts: 1, Err: ErrHTTPStatus}
	if got, want := e.Error(), "http://a/x: HTTP 404 (after 1 attempt)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e2 := &Error{URL: "http://b/y", Reason: "HTTP 500", Attempts: 3, Err: ErrHTTPStatus, Earlier: []*Error{e}}
	if got, want := e2.Error(), "http://b/y: HTTP 500 (after 3 attempts); earlier: http://a/x: HTTP 404"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e2, ErrHTTPStatus) {
		t.Error("errors.Is(ErrHTTPStatus) = false")
	}
}
