// Package filestore is the local-directory storage.Store, imgmirror's
// default store (file://DIR).
//
// The object under key K is the plain file DIR/K, so a mirror directory can
// be browsed, served by any web server, and its Markdown read offline with
// working relative links. Store internals live in directories whose names
// begin with ".", which no valid key can name and List never reports:
//
//   - DIR/.meta/K.json is the sidecar holding the object's ContentType and
//     CacheControl. It is written before the object, so a visible object
//     always has its metadata. An object without a sidecar (say, a file
//     copied in by hand) gets a content type derived from its extension.
//   - DIR/.tmp/ holds files being written. Put streams into a temporary
//     file there, verifies size and digest, syncs it and only then links
//     it into place (put-if-absent) or renames it over the object
//     (Overwrite), so readers never see a partial object and a crash
//     leaves debris only in .tmp, which New removes once it is an hour old.
//
// Put-if-absent relies on os.Link failing when the name exists, which is
// atomic even between processes. On file systems without hard links Put
// falls back to a rename guarded by an in-process lock, which keeps objects
// whole but lets two processes racing for the same key both report
// created.
//
// Within one Store, Puts of the same key are serialized once their data is
// on disk, so an object and its sidecar always match. Two processes
// racing to put the same key with different metadata may leave the
// loser's metadata on the winner's object; imgmirror writes a key's
// metadata identically every time, so this does not arise in practice.
//
// A key cannot name both an object and a "directory" of other objects
// (both "a" and "a/b"), and a key segment is limited to what the file
// system allows (usually 255 bytes, less ".json" for the sidecar); Put
// fails for such keys, as it does for "a" next to "a.json/b", whose
// sidecars would collide. On a case-insensitive file system keys that
// differ only in case name the same object.
package filestore
