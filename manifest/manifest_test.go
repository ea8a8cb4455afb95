package manifest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRoundTripAndTally(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	m := &Manifest{Schema: Schema, Source: "a.md", ArchivedAt: now, Meta: Meta{Title: "标题 <b>"},
		Images: []Image{
			{URL: "https://mmbiz.qpic.cn/a/b/640?x=1&y=2", Status: StatusArchived, Thumbnails: []Thumbnail{{Width: 320, Height: 200, Key: "thumb/320/aa/aa.jpg"}}},
			{URL: "https://x/y.png", Status: StatusSkipped},
			{URL: "https://mmbiz.qpic.cn/c/d/0", Status: StatusFailed, Error: "HTTP 404"},
		}}
	m.Tally()
	if m.Counts != (Counts{Images: 3, Archived: 1, Failed: 1, Skipped: 1}) {
		t.Fatalf("Tally = %+v", m.Counts)
	}
	if m.Complete() {
		t.Fatal("a manifest with a failed image is not complete")
	}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"?x=1&y=2"`[1:])) || !strings.Contains(string(b), "标题 <b>") {
		t.Errorf("Encode escapes HTML or non-ASCII:\n%s", b)
	}
	got, err := Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got.Images[0].Thumbnails[0].Key != "thumb/320/aa/aa.jpg" || !got.ArchivedAt.Equal(now) || got.Counts != m.Counts {
		t.Errorf("round trip lost data: %+v", got)
	}
	m.Images[2].Status = StatusArchived
	if !m.Complete() {
		t.Error("no failures left, yet not complete")
	}
}

func TestDecodeRefusesUnknownSchema(t *testing.T) {
	for _, in := range []string{`{"schema": 99}`, `{}`, `not json`} {
		if _, err := Decode(strings.NewReader(in)); err == nil {
			t.Errorf("Decode(%s) accepted", in)
		}
	}
}
