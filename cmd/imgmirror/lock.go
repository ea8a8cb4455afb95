package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/imgmirror/imgmirror/archive"
)

// lockOutput takes an exclusive lock on the output directory so that two
// runs (an overlapping cron job) never write the same articles at once.
// The second run exits at once with code 4 and a clear message.
// Shards of one corpus take separate locks, so that several workers may
// share an output directory.
func lockOutput(out, name string, dryRun bool) (func(), error) {
	if dryRun {
		return func() {}, nil
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, usageErrorf("--out %s: %v", out, err)
	}
	p := filepath.Join(out, name)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, usageErrorf("--out %s: %v", out, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, &exitError{code: ExitLocked, err: fmt.Errorf("another imgmirror run is writing to %s (lock %s held); try again when it is done", out, p)}
	}
	return func() { f.Close() }, nil
}

// lockName is the lock file of a shard: .imgmirror.lock for the whole
// corpus, .imgmirror-shard-I-of-N.lock for a shard.
func lockName(s archive.Shard) string {
	if s.N <= 1 {
		return ".imgmirror.lock"
	}
	return fmt.Sprintf(".imgmirror-shard-%d-of-%d.lock", s.I, s.N)
}
