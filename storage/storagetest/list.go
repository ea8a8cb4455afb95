package storagetest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/storage"
)

// listFixture returns keys chosen so that lexical key order differs from a
// naive directory walk ("img/a-b.png" < "img/a/c.png" < "img/a0.png"),
// with nested prefixes and prefixes that end mid-segment.
func listFixture() []string {
	return []string{
		"img/a-b.png",
		"img/a/c.png",
		"img/a0.png",
		"img/ab/1.png",
		"img/ab/2.png",
		"img/ab/20.png",
		"img/ac/1.png",
		"img/b.png",
		"imgx.md",
		"index.md",
		"z",
	}
}

func testList(t *testing.T, s storage.Store) {
	checkEmpty(t, s)
	fixture := listFixture()
	sizes := map[string]int64{}
	for i, key := range fixture {
		data := []byte(strings.Repeat("L", 10+i))
		sizes[key] = int64(len(data))
		o := opts(data)
		o.ContentType = "image/png"
		mustCreate(t, s, key, data, o)
	}
	prefixes := []string{
		"", "i", "img", "img/", "img/a", "img/a/", "img/a-", "img/ab", "img/ab/",
		"img/ab/2", "img/ab/1.png", "img/ab/1.png/", "img/ac/", "img/b", "img/c",
		"img/zz/", "imgx", "index.md", "z", "zz", "nonexistent/", "nonexistent/deeper/",
	}
	for _, prefix := range prefixes {
		var want []string
		for _, k := range fixture {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		var got []string
		err := s.List(t.Context(), prefix, func(info storage.Info) error {
			got = append(got, info.Key)
			if info.Size != sizes[info.Key] {
				t.Errorf("List(%q): %q has Size %d, want %d", prefix, info.Key, info.Size, sizes[info.Key])
			}
			return nil
		})
		if err != nil {
			t.Errorf("List(%q): %v", prefix, err)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q, want %q", prefix, got, want)
		}
	}
}

func testListStops(t *testing.T, s storage.Store) {
	fixture := listFixture()
	for _, key := range fixture {
		MustPut(t, s, key, []byte(key))
	}
	errStop := errors.New("storagetest: stop listing")
	var got []string
	err := s.List(t.Context(), "img/", func(info storage.Info) error {
		got = append(got, info.Key)
		if len(got) == 3 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Errorf("List returned %v, want the error fn returned", err)
	}
	if want := []string{"img/a-b.png", "img/a/c.png", "img/a0.png"}; !slices.Equal(got, want) {
		t.Errorf("List called fn for %q, want exactly %q", got, want)
	}

	// fn may use the store (no lock held across calls).
	n := 0
	err = s.List(t.Context(), "img/ab/", func(info storage.Info) error {
		n++
		if _, err := s.Stat(t.Context(), info.Key); err != nil {
			return err
		}
		_, err := s.Put(t.Context(), "other/"+info.Key, strings.NewReader("x"), storage.PutOptions{Size: 1})
		return err
	})
	if err != nil {
		t.Errorf("List with fn calling Stat and Put: %v", err)
	}
	if n != 3 {
		t.Errorf("List(\"img/ab/\") called fn %d times, want 3", n)
	}
}
