package archive

import (
	"fmt"
	"testing"
)

func TestShardsPartitionTheCorpus(t *testing.T) {
	var inputs []Input
	for i := 0; i < 1000; i++ {
		inputs = append(inputs, Input{Rel: fmt.Sprintf("dir%d/article-%d.md", i%7, i)})
	}
	seen := map[string]int{}
	for i := 0; i < 4; i++ {
		s, err := ParseShard(fmt.Sprintf("%d/4", i))
		if err != nil {
			t.Fatal(err)
		}
		part := s.Filter(inputs)
		if len(part) < 150 || len(part) > 350 {
			t.Errorf("shard %v has %d of 1000 articles: badly balanced", s, len(part))
		}
		for _, in := range part {
			seen[in.Rel]++
		}
	}
	for _, in := range inputs {
		if seen[in.Rel] != 1 {
			t.Fatalf("%s is in %d shards", in.Rel, seen[in.Rel])
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, bad := range []string{"4/4", "-1/4", "1", "a/b", "0/0", "1/"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if s, err := ParseShard(""); err != nil || !s.Has("anything.md") {
		t.Error("no shard must select everything")
	}
}
