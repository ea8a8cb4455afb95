package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/memstore"
)

// throttling fails the first n Puts with storage.ErrThrottled.
type throttling struct {
	storage.Store
	n, calls int
}

func (s *throttling) Put(ctx context.Context, key string, r io.Reader, o storage.PutOptions) (bool, error) {
	s.calls++
	if s.calls <= s.n {
		io.Copy(io.Discard, r) // a failed attempt consumes the body
		return false, fmt.Errorf("s3 put: SlowDown: %w", storage.ErrThrottled)
	}
	return s.Store.Put(ctx, key, r, o)
}

func TestPutRetriesThrottledWithFreshBody(t *testing.T) {
	s := &throttling{Store: memstore.New(), n: 2}
	body := func() io.Reader { return strings.NewReader("hello") }
	if _, err := put(context.Background(), s, "a/b", body, storage.PutOptions{Size: 5}); err != nil {
		t.Fatalf("put after two SlowDowns: %v", err)
	}
	b, _, err := storage.ReadAll(context.Background(), s, "a/b")
	if err != nil || string(b) != "hello" || s.calls != 3 {
		t.Errorf("stored %q (%v) after %d calls, want hello after 3", b, err, s.calls)
	}
	other := &throttling{Store: memstore.New(), n: 100}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := put(ctx, other, "a/b", body, storage.PutOptions{Size: 5}); !errors.Is(err, storage.ErrThrottled) || other.calls != 1 {
		t.Errorf("cancelled: %v after %d calls", err, other.calls)
	}
}
