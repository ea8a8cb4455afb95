package filestore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/imgmirror/imgmirror/internal/atomicfile"
	"github.com/imgmirror/imgmirror/storage"
)

// sidecar is the JSON kept in DIR/.meta/KEY.json.
type sidecar struct {
	ContentType  string `json:"contentType,omitempty"`
	CacheControl string `json:"cacheControl,omitempty"`
}

func (s *Store) metaPath(key string) string {
	return filepath.Join(s.dir, metaDir, filepath.FromSlash(key)+".json")
}

func (s *Store) writeMeta(key string, opts storage.PutOptions) error {
	b, err := json.Marshal(sidecar{ContentType: opts.ContentType, CacheControl: opts.CacheControl})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(s.metaPath(key), append(b, '\n'), 0o644)
}

// readMeta returns the metadata of key's object. A missing or unreadable
// sidecar, or one without a content type, yields the type for the key's
// extension.
func (s *Store) readMeta(key string) (sidecar, error) {
	var m sidecar
	b, err := os.ReadFile(s.metaPath(key))
	switch {
	case err == nil:
		if json.Unmarshal(b, &m) != nil {
			m = sidecar{} // corrupt (edited by hand?): fall back
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return sidecar{}, fmt.Errorf("metadata: %w", err)
	}
	if m.ContentType == "" {
		m.ContentType = ContentTypeByExt(key)
	}
	return m, nil
}

// info returns the Info of key's object, whose file is described by fi.
func (s *Store) info(key string, fi fs.FileInfo) (storage.Info, error) {
	m, err := s.readMeta(key)
	if err != nil {
		return storage.Info{}, err
	}
	info := listInfo(key, fi)
	info.ContentType = m.ContentType
	info.CacheControl = m.CacheControl
	return info, nil
}

// listInfo returns the Info List reports: no metadata, which would cost a
// sidecar read per object.
func listInfo(key string, fi fs.FileInfo) storage.Info {
	return storage.Info{
		Key:     key,
		Size:    fi.Size(),
		ModTime: fi.ModTime(),
		ETag:    `"` + strconv.FormatInt(fi.Size(), 10) + "-" + strconv.FormatInt(fi.ModTime().UnixNano(), 10) + `"`,
	}
}

// ContentTypeByExt returns the content type filestore reports for an
// object without stored metadata, from the extension of key:
// image/jpeg, image/png, image/gif, image/webp, image/avif, image/svg+xml,
// application/json, text/markdown, text/html, text/plain (the text types
// with charset=utf-8), or application/octet-stream.
func ContentTypeByExt(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".avif":
		return "image/avif"
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return "application/json"
	case ".md":
		return "text/markdown; charset=utf-8"
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".txt":
		return "text/plain; charset=utf-8"
	default:
		return "application/octet-stream"
	}
}
