// Package storagetest is the conformance suite for storage.Store
// implementations, in the style of gocloud.dev's blob/drivertest: an
// implementation's test calls Run with a constructor for fresh, empty
// stores, and every rule documented on storage.Store is checked in its own
// subtest.
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store {
//			s, err := filestore.New(t.TempDir())
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The suite makes no assumption about how objects are kept (it never looks
// at files) and stays small enough for a store behind a network: a few
// dozen objects in all, the largest 12 MiB.
//
// MustPut and MustGet are helpers for other tests that need a store with
// some objects in it.
package storagetest
