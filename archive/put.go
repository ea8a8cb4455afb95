package archive

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/imgmirror/imgmirror/storage"
)

// putRetries and putBackoff bound the pipeline's own retries of a Put the
// store throttled (S3 SlowDown), on top of the store client's retries.
const (
	putRetries = 4
	putBackoff = time.Second
)

// put stores the bytes body() yields under key, trying again with
// exponential backoff while the store answers storage.ErrThrottled. body
// is called once per attempt and must return a fresh reader.
func put(ctx context.Context, s storage.Store, key string, body func() io.Reader, opts storage.PutOptions) (bool, error) {
	wait := putBackoff
	for attempt := 0; ; attempt++ {
		created, err := s.Put(ctx, key, body(), opts)
		if err == nil || !errors.Is(err, storage.ErrThrottled) || attempt == putRetries {
			return created, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, err
		case <-t.C:
		}
		wait *= 2
	}
}
