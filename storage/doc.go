// Package storage defines the small object-store interface imgmirror writes
// to, and the key rules shared by all implementations.
//
// Implementations live in subpackages (filestore, memstore, s3store); the
// conformance suite in storagetest checks that each one follows the rules
// documented on Store.
package storage
