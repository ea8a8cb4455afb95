package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgmirror/imgmirror/internal/miniotest"
	"github.com/imgmirror/imgmirror/storage"
	"github.com/imgmirror/imgmirror/storage/s3store"
	"github.com/imgmirror/imgmirror/thumbs"
)

// These benchmarks isolate the two stages that dominate imgmirror's peak
// memory with large images, for go test -memprofile / -cpuprofile:
//
//	go test -run '^$' -bench 'ThumbsLarge|S3Put' -benchmem -memprofile mem.out ./bench
//	go tool pprof -sample_index=alloc_space -top mem.out

// BenchmarkThumbsLarge runs thumbs.Make on the memory suite's large
// images (default widths).
func BenchmarkThumbsLarge(b *testing.B) {
	p, err := loadPool("..", os.Getenv("BENCH_CORPUS"))
	if err != nil {
		b.Fatal(err)
	}
	if err := p.memoryImages(); err != nil {
		b.Fatal(err)
	}
	for _, im := range []*poolImage{p.largeJPEG, p.largeWebP, p.largeGIF} {
		if im == nil {
			continue
		}
		b.Run(im.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(im.data)))
			for b.Loop() {
				if _, err := thumbs.Make(bytes.NewReader(im.data), int64(len(im.data)), thumbs.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkS3Put puts objects of an image's size into MinIO through
// s3store, the way archive stores an original: from an io.SectionReader
// (what fetch.Result.NewReader returns), put-if-absent, with its SHA-256.
func BenchmarkS3Put(b *testing.B) {
	bin := miniotest.Binary()
	if bin == "" {
		b.Skip("minio missing: " + miniotest.InstallCommand)
	}
	ctx := context.Background()
	m, err := startMinio(ctx, bin, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer m.stop()
	if err := m.createBucket(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	for _, kv := range m.awsEnv(b.TempDir()) {
		k, v, _ := strings.Cut(kv, "=")
		b.Setenv(k, v)
	}
	st, err := s3store.New(ctx, s3store.Config{Bucket: "bench", Endpoint: m.Endpoint, PathStyle: true})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{200 << 10, 7 << 20, 23 << 20} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		sum := sha256.Sum256(data)
		// A spooled body, as fetch keeps bodies over 4 MiB.
		f := filepath.Join(b.TempDir(), "body")
		os.WriteFile(f, data, 0o644)
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			n := 0
			for b.Loop() {
				n++
				_, err := st.Put(ctx, fmt.Sprintf("obj/%d/%d", size, n), io.NewSectionReader(fh, 0, int64(size)), storage.PutOptions{
					ContentType: "image/gif", Size: int64(size), SHA256: hex.EncodeToString(sum[:]),
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		fh.Close()
	}
}
