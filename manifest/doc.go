// Package manifest defines the JSON record imgmirror writes beside every
// archived article: where the article came from, its metadata, and for
// every image reference what happened to it and where it now lives.
//
// The format is versioned by the "schema" field; readers refuse schemas
// newer than they know. README.md documents each field.
package manifest
