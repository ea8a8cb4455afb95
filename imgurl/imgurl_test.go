package imgurl

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

const id = "ClW8NejCpBO5wpiaeicTQ4qWerbb7YlHeiaoJiaz4LuxuFOKBO9wUZXibIO2znv5qDfCw9ticHDyeiccFZicCISr4ceAAA"

func TestNormalizeWeChatVariantsAreOneImage(t *testing.T) {
	want := "mmbiz.qpic.cn/sz_mmbiz_jpg/" + id
	for _, raw := range []string{
		"https://mmbiz.qpic.cn/sz_mmbiz_jpg/" + id + "/640?wx_fmt=jpeg&from=appmsg",
		"http://mmbiz.qpic.cn/sz_mmbiz_jpg/" + id + "/0",
		"https://mmbiz.qlogo.cn/sz_mmbiz_jpg/" + id + "/300",
		"//mmbiz.qpic.cn/sz_mmbiz_jpg/" + id + "/s640?tp=webp&wxfrom=5&wx_lazy=1#imgIndex=3",
		"https://MMBIZ.QPIC.CN:443/sz_mmbiz_jpg/" + id,
		"https://mmbiz.qpic.cn/sz_mmbiz_jpg/" + id + "/",
	} {
		got, err := Normalize(raw)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

func TestNormalizeDistinguishes(t *testing.T) {
	pairs := [][2]string{
		{"https://mmbiz.qpic.cn/mmbiz_jpg/AAA/640", "https://mmbiz.qpic.cn/mmbiz_png/AAA/640"},
		{"https://mmbiz.qpic.cn/mmbiz_jpg/AAA/640", "https://mmbiz.qpic.cn/mmbiz_jpg/AAB/640"},
		{"https://mmecoa.qpic.cn/mmbiz_jpg/AAA/640", "https://mmbiz.qpic.cn/mmbiz_jpg/AAA/640"},
		{"https://example.com/a.jpg?v=1", "https://example.com/a.jpg?v=2"},
		{"https://example.com:8443/a.jpg", "https://example.com/a.jpg"},
	}
	for _, p := range pairs {
		a, _ := Normalize(p[0])
		b, _ := Normalize(p[1])
		if a == b {
			t.Errorf("%q and %q both normalize to %q", p[0], p[1], a)
		}
	}
}

func TestNormalizeOtherHosts(t *testing.T) {
	for raw, want := range map[string]string{
		"http://Example.com:80/img/a.png#x": "example.com/img/a.png",
		"https://example.com/img/a.png":     "example.com/img/a.png",
		"https://example.com":               "example.com/",
		"https://example.com/a.jpg?w=1":     "example.com/a.jpg?w=1",
		"https://mmbiz.qpic.cn/onlyone":     "mmbiz.qpic.cn/onlyone",
		"https://[::1]:8080/a.png":          "[::1]:8080/a.png",
	} {
		if got, err := Normalize(raw); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

func TestNormalizeRefuses(t *testing.T) {
	for _, raw := range []string{"data:image/png;base64,AAAA", "file:///etc/passwd", "ftp://x/y.png", "img/a.png", "", "https://", "mailto:a@b"} {
		if _, err := Normalize(raw); !errors.Is(err, ErrNotHTTP) {
			t.Errorf("Normalize(%q) err = %v, want ErrNotHTTP", raw, err)
		}
	}
	if _, err := Normalize("https://user:pw@mmbiz.qpic.cn/a/b/0"); err == nil || !strings.Contains(err.Error(), "user info") {
		t.Errorf("user info accepted: %v", err)
	}
}

func TestCandidates(t *testing.T) {
	tests := []struct {
		raw       string
		asWritten bool
		want      []string
	}{
		{"https://mmbiz.qpic.cn/sz_mmbiz_jpg/X/640?wx_fmt=jpeg&tp=webp&from=appmsg", false,
			[]string{"https://mmbiz.qpic.cn/sz_mmbiz_jpg/X/0?wx_fmt=jpeg", "https://mmbiz.qpic.cn/sz_mmbiz_jpg/X/640?wx_fmt=jpeg&tp=webp&from=appmsg"}},
		{"http://mmbiz.qlogo.cn/mmbiz_png/X/0?wx_fmt=png#frag", false,
			[]string{"https://mmbiz.qpic.cn/mmbiz_png/X/0?wx_fmt=png", "http://mmbiz.qlogo.cn/mmbiz_png/X/0?wx_fmt=png"}},
		{"https://mmbiz.qpic.cn/mmbiz_gif/X/0", false, []string{"https://mmbiz.qpic.cn/mmbiz_gif/X/0"}},
		{"//mmbiz.qpic.cn/mmbiz/X/640?wx_fmt=evil%26tp%3Dwebp", false,
			[]string{"https://mmbiz.qpic.cn/mmbiz/X/0", "https://mmbiz.qpic.cn/mmbiz/X/640?wx_fmt=evil%26tp%3Dwebp"}},
		{"https://mmbiz.qpic.cn/sz_mmbiz_jpg/X/640?wx_fmt=jpeg", true, []string{"https://mmbiz.qpic.cn/sz_mmbiz_jpg/X/640?wx_fmt=jpeg"}},
		{"https://example.com/a.jpg?x=1#y", false, []string{"https://example.com/a.jpg?x=1"}},
	}
	for _, tt := range tests {
		got, err := Candidates(tt.raw, tt.asWritten)
		if err != nil || strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("Candidates(%q, %v) = %q, %v; want %q", tt.raw, tt.asWritten, got, err, tt.want)
		}
		for _, c := range got {
			if strings.Contains(c, "tp=webp") && c == got[0] && !tt.asWritten && len(got) > 1 {
				t.Errorf("first candidate %q asks for WebP transcoding", c)
			}
		}
	}
}

func TestAllowList(t *testing.T) {
	a := NewAllowList(append(DefaultHosts, "*.Example.org", "cdn.test"), false)
	for raw, want := range map[string]bool{
		"https://mmbiz.qpic.cn/a/b/0":     true,
		"http://MMBIZ.QLOGO.CN/a/b":       true,
		"https://wx.qlogo.cn/mmhead/x/0":  true,
		"https://img.example.org/a.png":   true,
		"https://example.org/a.png":       false,
		"https://cdn.test:8443/a.png":     true,
		"https://evil.com/a.png":          false,
		"https://mmbiz.qpic.cn.evil.com/": false,
		"ftp://mmbiz.qpic.cn/a":           false,
		"https://u:p@mmbiz.qpic.cn/a/b":   false,
	} {
		u, _ := url.Parse(raw)
		if got := a.Allowed(u); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", raw, got, want)
		}
	}
	any := NewAllowList(nil, true)
	if !any.AllowedString("https://evil.com/a.png") || any.AllowedString("file:///etc/passwd") {
		t.Error("--any-host must allow every http(s) URL and nothing else")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"https://mmbiz.qpic.cn/sz_mmbiz_jpg/" + id + "/640?wx_fmt=jpeg&from=appmsg",
		"//mmbiz.qlogo.cn/mmbiz_png/X/0?wx_fmt=png#f", "https://example.com:8443/a b.png?q=1",
		"http://[::1]/x", "data:image/png;base64,AA", "https://u@h/x", "https://mmbiz.qpic.cn//x//",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		key, err := Normalize(raw)
		if err != nil {
			return
		}
		cands, err := Candidates(raw, false)
		if err != nil || len(cands) == 0 {
			t.Fatalf("Normalize ok (%q) but Candidates(%q) = %v, %v", key, raw, cands, err)
		}
		for _, c := range cands {
			u, err := Parse(c)
			if err != nil {
				t.Fatalf("candidate %q of %q does not parse: %v", c, raw, err)
			}
			if strings.Contains(u.RawQuery, "tp=") && c == cands[0] && len(cands) > 1 {
				t.Fatalf("original candidate %q carries tp", c)
			}
			// Every candidate names the same image.
			if k, err := Normalize(c); err != nil || k != key {
				t.Fatalf("candidate %q of %q normalizes to %q, %v; want %q", c, raw, k, err, key)
			}
		}
		if k2, err := Normalize("https://" + key); err == nil && strings.HasPrefix(raw, "https://") && k2 != key && !strings.Contains(key, "?") {
			// Normalizing a key again is stable for keys without queries.
			if _, _, _, ok := wechat(mustParse(raw)); ok {
				t.Fatalf("Normalize not idempotent: %q -> %q -> %q", raw, key, k2)
			}
		}
	})
}

func mustParse(raw string) *url.URL {
	u, err := Parse(raw)
	if err != nil {
		return &url.URL{}
	}
	return u
}
