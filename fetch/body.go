package fetch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"os"
	"sync"
	"time"
)

// memLimit is the largest body kept in memory; larger ones spill to a
// temporary file.
const memLimit = 4 << 20

// Result is a downloaded image. Call Close when done with it.
type Result struct {
	URL      string        // the URL requested that succeeded (before redirects)
	FinalURL string        // after redirects
	SHA256   string        // lowercase hex, computed while streaming
	Size     int64         // body size in bytes
	Format   Format        // sniffed from the bytes
	Attempts int           // total HTTP attempts made for this Fetch, over all URLs
	Duration time.Duration // wall time of the whole Fetch

	mu     sync.Mutex
	closed bool
	data   []byte   // the body, when kept in memory
	file   *os.File // the body, when spilled
}

// NewReader returns an independent reader over the body. Several readers
// may be used concurrently. Readers must not be used after Close; they then
// fail with os.ErrClosed.
func (r *Result) NewReader() *io.SectionReader {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return io.NewSectionReader(closedReaderAt{}, 0, r.Size)
	case r.file != nil:
		return io.NewSectionReader(r.file, 0, r.Size)
	}
	return io.NewSectionReader(bytes.NewReader(r.data), 0, r.Size)
}

// Close releases the body and removes its temporary file, if any. It is
// idempotent.
func (r *Result) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.data = nil
	if r.file == nil {
		return nil
	}
	return removeTemp(r.file)
}

type closedReaderAt struct{}

func (closedReaderAt) ReadAt([]byte, int64) (int, error) { return 0, os.ErrClosed }

func removeTemp(f *os.File) error {
	err := f.Close()
	if rmErr := os.Remove(f.Name()); err == nil {
		err = rmErr
	}
	return err
}

// sink receives a body while it streams: it enforces the size limit,
// hashes, keeps the first bytes for sniffing (failing as soon as they are
// clearly not an image) and stores the body in memory or in a temporary
// file.
type sink struct {
	maxBytes    int64
	tempDir     string
	contentType string // as sent, for messages only

	hash   hash.Hash
	size   int64
	head   []byte
	format Format
	data   []byte
	file   *os.File
}

func newSink(maxBytes int64, tempDir, contentType string, contentLength int64) *sink {
	s := &sink{maxBytes: maxBytes, tempDir: tempDir, contentType: contentType, hash: sha256.New()}
	if contentLength > 0 && contentLength <= memLimit {
		s.data = make([]byte, 0, contentLength)
	}
	return s
}

// Write implements io.Writer.
func (s *sink) Write(p []byte) (int, error) {
	if s.size+int64(len(p)) > s.maxBytes {
		return 0, refuse(ErrTooLarge, "too large: over %d bytes", s.maxBytes)
	}
	if err := s.sniffHead(p); err != nil {
		return 0, err
	}
	s.hash.Write(p)
	if err := s.store(p); err != nil {
		return 0, err
	}
	s.size += int64(len(p))
	return len(p), nil
}

// sniffHead collects the first sniffLen bytes and sniffs them once there
// are that many.
func (s *sink) sniffHead(p []byte) error {
	if len(s.head) >= sniffLen {
		return nil
	}
	s.head = append(s.head, p[:min(len(p), sniffLen-len(s.head))]...)
	if len(s.head) < sniffLen {
		return nil
	}
	return s.sniff()
}

func (s *sink) sniff() error {
	f, ok := sniffImage(s.head)
	if !ok {
		return refuse(ErrNotImage, "%s", notImageReason(s.head, s.contentType))
	}
	s.format = f
	return nil
}

func notImageReason(head []byte, contentType string) string {
	if contentType == "" {
		return "not an image (" + describe(head) + ")"
	}
	if len(contentType) > 60 {
		contentType = contentType[:60] + "..."
	}
	return "not an image (" + describe(head) + ", Content-Type " + contentType + ")"
}

func (s *sink) store(p []byte) error {
	if s.file == nil && len(s.data)+len(p) <= memLimit {
		s.data = append(s.data, p...)
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.tempDir, "imgmirror-fetch-*")
		if err != nil {
			return refuse(err, "temp file: %v", err)
		}
		s.file = f
		if _, err := f.Write(s.data); err != nil {
			return refuse(err, "temp file: %v", err)
		}
		s.data = nil
	}
	if _, err := s.file.Write(p); err != nil {
		return refuse(err, "temp file: %v", err)
	}
	return nil
}

// finish sniffs a body shorter than sniffLen and hands the body over to a
// Result. On error the sink has been cleaned up.
func (s *sink) finish() (*Result, error) {
	if len(s.head) < sniffLen {
		if err := s.sniff(); err != nil {
			s.abort()
			return nil, err
		}
	}
	return &Result{
		SHA256: hex.EncodeToString(s.hash.Sum(nil)),
		Size:   s.size,
		Format: s.format,
		data:   s.data,
		file:   s.file,
	}, nil
}

// abort drops the body and removes the temporary file, if any.
func (s *sink) abort() {
	s.data = nil
	if s.file != nil {
		_ = removeTemp(s.file)
		s.file = nil
	}
}

// copyBody streams body into s, reading at most one byte over the limit.
// On error the sink has been cleaned up.
func (s *sink) copyBody(body io.Reader) error {
	buf := make([]byte, 32<<10)
	_, err := io.CopyBuffer(s, io.LimitReader(body, s.maxBytes+1), buf)
	if err != nil {
		s.abort()
		return err
	}
	return nil
}
