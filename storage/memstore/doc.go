// Package memstore is an in-memory storage.Store for tests.
//
// It follows every rule of storage.Store (it passes storagetest.Run) and
// counts successful writes and reads so that tests can check, for example,
// that a second run stores nothing new.
//
// Like the file and S3 stores, List reports only Key, Size, ModTime and
// ETag; ContentType and CacheControl come from Stat and Get. This keeps
// code tested against memstore from relying on metadata that a real store
// cannot list cheaply.
package memstore
