package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// Schema is the manifest format version this package writes.
const Schema = 1

// Status is what happened to one image reference.
type Status string

// Image statuses.
const (
	StatusArchived Status = "archived" // stored; the article links to the stable URL
	StatusFailed   Status = "failed"   // could not be archived; the link is unchanged; a re-run retries it
	StatusSkipped  Status = "skipped"  // not mirrored by policy (host not allowed, not http); link unchanged
)

// Manifest is the record of one archived article.
type Manifest struct {
	Schema       int       `json:"schema"`
	Tool         string    `json:"tool"`
	Source       string    `json:"source"`  // input path as given
	Article      string    `json:"article"` // rewritten article, relative to the output directory
	InputSHA256  string    `json:"input_sha256"`
	OutputSHA256 string    `json:"output_sha256"`
	Store        string    `json:"store"`
	PublicURL    string    `json:"public_url,omitempty"`
	ArchivedAt   time.Time `json:"archived_at"`
	Meta         Meta      `json:"metadata"`
	Counts       Counts    `json:"counts"`
	Images       []Image   `json:"images"`
}

// Meta is the article's metadata header.
type Meta struct {
	Title       string `json:"title,omitempty"`
	Author      string `json:"author,omitempty"`
	Published   string `json:"published,omitempty"`
	Place       string `json:"place,omitempty"`
	OriginalURL string `json:"original_url,omitempty"`
	Cover       string `json:"cover,omitempty"`
}

// Counts sums the image references by status.
type Counts struct {
	Images   int `json:"images"`
	Archived int `json:"archived"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
}

// Image is one image reference of the article (the same image referenced
// twice appears twice, with the same normalized key and stored key).
type Image struct {
	URL           string      `json:"url"`        // as written in the article
	Normalized    string      `json:"normalized"` // identity: host + "/<prefix>/<id>" for WeChat
	Role          string      `json:"role"`       // "cover" or "inline"
	Line          int         `json:"line"`
	Status        Status      `json:"status"`
	Error         string      `json:"error,omitempty"`
	SHA256        string      `json:"sha256,omitempty"`
	Bytes         int64       `json:"bytes,omitempty"`
	ContentType   string      `json:"content_type,omitempty"`
	Width         int         `json:"width,omitempty"`
	Height        int         `json:"height,omitempty"`
	Key           string      `json:"key,omitempty"`        // store key of the original
	StableURL     string      `json:"stable_url,omitempty"` // link written into the article
	Thumbnails    []Thumbnail `json:"thumbnails,omitempty"`
	ThumbnailNote string      `json:"thumbnail_note,omitempty"` // why some or all widths have no thumbnail
	FetchedFrom   string      `json:"fetched_from,omitempty"`   // URL the bytes came from
	FetchedAt     *time.Time  `json:"fetched_at,omitempty"`
}

// Thumbnail is one derived thumbnail of an archived image.
type Thumbnail struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Key    string `json:"key"`
	URL    string `json:"url"`
}

// Tally recomputes m.Counts from m.Images.
func (m *Manifest) Tally() {
	c := Counts{Images: len(m.Images)}
	for _, im := range m.Images {
		switch im.Status {
		case StatusArchived:
			c.Archived++
		case StatusFailed:
			c.Failed++
		case StatusSkipped:
			c.Skipped++
		}
	}
	m.Counts = c
}

// Complete reports whether no image reference failed.
func (m *Manifest) Complete() bool {
	for _, im := range m.Images {
		if im.Status == StatusFailed {
			return false
		}
	}
	return true
}

// Encode returns m as indented JSON ending in a newline.
func (m *Manifest) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode reads a manifest, refusing unknown schema versions.
func Decode(r io.Reader) (*Manifest, error) {
	var m Manifest
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Schema < 1 || m.Schema > Schema {
		return nil, fmt.Errorf("manifest: schema %d not supported (this imgmirror reads 1..%d)", m.Schema, Schema)
	}
	return &m, nil
}

// Load reads the manifest file at path.
func Load(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
