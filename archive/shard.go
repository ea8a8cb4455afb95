package archive

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Shard selects shard I of N (0 <= I < N): the articles whose output path
// hashes to I. Every article belongs to exactly one shard, whatever the
// machine, so N workers (a Kubernetes Indexed Job, say) cover a corpus
// with no overlap.
type Shard struct{ I, N int }

// ParseShard parses "I/N". An empty string is the whole corpus (0/1).
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{0, 1}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want I/N with 0 <= I < N, e.g. 0/4", s)
	}
	return Shard{i, n}, nil
}

// Has reports whether the article with output path rel is in the shard.
func (s Shard) Has(rel string) bool {
	if s.N <= 1 {
		return true
	}
	h := sha256.Sum256([]byte(rel))
	return binary.BigEndian.Uint64(h[:8])%uint64(s.N) == uint64(s.I)
}

// Filter returns the inputs in the shard.
func (s Shard) Filter(inputs []Input) []Input {
	var out []Input
	for _, in := range inputs {
		if s.Has(in.Rel) {
			out = append(out, in)
		}
	}
	return out
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }
