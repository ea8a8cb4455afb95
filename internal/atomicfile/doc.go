// Package atomicfile writes files so that readers see either the old
// content or the complete new content, never a partial file, even if the
// process or the machine dies mid-write.
//
// A file is written to a temporary file in the same directory (named
// ".NAME.tmp-RANDOM", so that listings that skip dot-files never show it),
// synced to disk, renamed over the destination, and the directory is synced
// so that the rename itself is durable. On any error the temporary file is
// removed.
package atomicfile
