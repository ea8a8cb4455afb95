package filestore_test

import (
	"testing"

	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/filestore"
	"github.com/imgmirror/imgmirror/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := filestore.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
