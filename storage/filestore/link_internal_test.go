package filestore

import (
	"os"
	"syscall"
	"testing"

	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/storagetest"
)

// TestConformanceWithoutHardLinks runs the suite as on a file system
// without hard links, where put-if-absent falls back to rename.
func TestConformanceWithoutHardLinks(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s.link = func(oldname, newname string) error {
			return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: syscall.EPERM}
		}
		return s
	})
}
