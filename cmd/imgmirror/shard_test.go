package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/imgmirror/imgmirror/archive"
	"github.com/imgmirror/imgmirror/internal/miniotest"
)

// TestFourShardsOneStore runs four workers as four processes over one S3
// store and one output directory, as an Indexed Job would: every article
// is archived by exactly one shard and every image is stored once.
func TestFourShardsOneStore(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t)
	dir := t.TempDir()
	var all [][]byte
	const articles = 24
	for i := 0; i < articles; i++ {
		// Each article has two images of its own and shares two with every other.
		a := fmt.Sprintf("# A%d\n\n![](https://mmbiz.qpic.cn/mmbiz_jpg/own%da/640)\n![](https://mmbiz.qpic.cn/mmbiz_png/own%db/0?wx_fmt=png)\n"+
			"![](https://mmbiz.qpic.cn/mmbiz_jpg/shared1/640)\n![](https://mmbiz.qlogo.cn/mmbiz_jpg/shared2/0)\n", i, i, i)
		all = append(all, []byte(a))
		writeFile(t, filepath.Join(dir, "corpus", fmt.Sprintf("d%d", i%3), fmt.Sprintf("a%02d.md", i)), []byte(a))
	}
	c := startCDN(t, imagesFor(all...))
	env := append(append([]string{}, c.env...), srv.Env()...)
	store := "s3://" + bucket + "/w?endpoint=" + srv.Endpoint + "&path_style=true"

	var cmds []*exec.Cmd
	for i := 0; i < 4; i++ {
		cmd := exec.Command(binary, "archive", "--store", store, "--quiet",
			"--shard", fmt.Sprintf("%d/4", i), "--report", fmt.Sprintf("report-%d.json", i), "corpus")
		cmd.Dir, cmd.Env = dir, append(cleanEnv(), env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("shard %d: %v", i, err)
		}
	}
	seen := map[string]int{}
	for i := 0; i < 4; i++ {
		var rep archive.Report
		decodeJSON(t, string(readFile(t, filepath.Join(dir, fmt.Sprintf("report-%d.json", i)))), &rep)
		for _, a := range rep.Articles {
			seen[a.Source]++
			if a.Status != archive.ArticleComplete {
				t.Errorf("shard %d: %s is %s", i, a.Source, a.Status)
			}
		}
	}
	if len(seen) != articles {
		t.Errorf("%d articles archived, want %d", len(seen), articles)
	}
	for src, n := range seen {
		if n != 1 {
			t.Errorf("%s archived by %d shards", src, n)
		}
	}
	// Every image stored once: one original per distinct image.
	unique := len(imagesFor(all...))
	distinct := map[string]bool{}
	for _, b := range imagesFor(all...) {
		distinct[sha(b)] = true
	}
	var originals int
	p := s3.NewListObjectsV2Paginator(srv.Client(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("w/img/")})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			originals++
			if !distinct[strings.TrimSuffix(filepath.Base(aws.ToString(o.Key)), filepath.Ext(aws.ToString(o.Key)))] {
				t.Errorf("unexpected object %s", aws.ToString(o.Key))
			}
		}
	}
	if originals != len(distinct) {
		t.Errorf("%d originals in the bucket for %d distinct images (%d URLs)", originals, len(distinct), unique)
	}
	// The shared images were fetched by more than one shard at most once each.
	if n := c.origin.Count(); n > unique+2*3 {
		t.Errorf("origin saw %d requests for %d images", n, unique)
	}
}
