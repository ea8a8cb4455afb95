package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/imgmirror/imgmirror/internal/origin"
)

// totals are the fields of the run report (imgmirror --report) the
// benchmark reads.
type totals struct {
	Articles          int   `json:"articles"`
	ArticlesWritten   int   `json:"articles_written"`
	ArticlesUnchanged int   `json:"articles_unchanged"`
	ArticlesFailed    int   `json:"articles_failed"`
	Images            int   `json:"images"`
	Archived          int   `json:"archived"`
	Failed            int   `json:"failed"`
	Skipped           int   `json:"skipped"`
	Unique            int   `json:"unique_images"`
	Fetched           int   `json:"fetched"`
	Reused            int   `json:"reused"`
	BytesFetched      int64 `json:"bytes_fetched"`
	StoreErrors       int   `json:"store_errors"`
}

// mirrorRun is one run of the imgmirror binary over a batch.
type mirrorRun struct {
	*proc
	totals  totals
	reqs    []origin.Request // what the origin received during the run
	s3      map[string]int   // S3 requests by method during the run
	conns   int              // connections (CONNECT tunnels) opened to the origin through the proxy
	storeAt string
}

func (m *mirrorRun) puts() int { return m.s3["PUT"] + m.s3["POST"] }

// mirrorOpts are the imgmirror flags a suite varies.
type mirrorOpts struct {
	prefix      string // store prefix in the bench bucket
	out         string // --out, relative to the batch workspace
	concurrency int
	rate        float64
	burst       int
	extra       []string
}

// mirror runs `imgmirror archive` over the batch's articles the way a user
// would: through HTTPS_PROXY to the CDN, into MinIO.
func (e *env) mirror(ctx context.Context, b *batch, o mirrorOpts) (*mirrorRun, error) {
	bin, err := e.binary(ctx)
	if err != nil {
		return nil, err
	}
	rep := filepath.Join(b.dir, o.out+".report.json")
	args := []string{"archive",
		"--store", e.storeURL(o.prefix), "--out", o.out,
		"--concurrency", strconv.Itoa(o.concurrency),
		"--rate", strconv.FormatFloat(o.rate, 'f', -1, 64), "--burst", strconv.Itoa(o.burst),
		"--quiet", "--report", rep,
	}
	args = append(append(args, o.extra...), "articles")
	e.origin.Reset()
	before, conns := e.s3.counts(), len(e.proxy.Targets())
	p, err := runProc(ctx, b.dir, append(e.childEnv(), e.cfg.childEnv...), bin, args...)
	if err != nil {
		return nil, err
	}
	os.WriteFile(filepath.Join(b.dir, o.out+".stderr"), []byte(p.stderr), 0o644)
	r := &mirrorRun{proc: p, reqs: e.origin.Requests(), s3: delta(before, e.s3.counts()), storeAt: e.storeURL(o.prefix),
		conns: len(e.proxy.Targets()) - conns}
	if p.code != 0 {
		return r, fmt.Errorf("imgmirror %v exited %d:\n%s", args, p.code, tail(p.stderr, 3000))
	}
	data, err := os.ReadFile(rep)
	if err != nil {
		return r, err
	}
	var report struct {
		Totals totals `json:"totals"`
	}
	if err := json.Unmarshal(data, &report); err != nil {
		return r, fmt.Errorf("report: %v", err)
	}
	r.totals = report.Totals
	return r, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func methods(m map[string]int) string {
	s := ""
	for _, k := range []string{"PUT", "POST", "HEAD", "GET", "DELETE"} {
		if m[k] > 0 {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%d %s", m[k], k)
		}
	}
	if s == "" {
		return "none"
	}
	return s
}
