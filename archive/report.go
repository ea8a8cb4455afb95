package archive

import (
	"time"

	"github.com/imgmirror/imgmirror/manifest"
)

// Report is the outcome of a Run, printed by --json and --report.
type Report struct {
	Version         string          `json:"version"`
	Store           string          `json:"store"`
	Started         time.Time       `json:"started"`
	Finished        time.Time       `json:"finished"`
	DurationSeconds float64         `json:"duration_seconds"`
	DryRun          bool            `json:"dry_run,omitempty"`
	Interrupted     bool            `json:"interrupted,omitempty"`
	Totals          Totals          `json:"totals"`
	Articles        []ArticleReport `json:"articles"`
}

// Totals sums a run.
type Totals struct {
	Articles          int   `json:"articles"`
	ArticlesWritten   int   `json:"articles_written"`
	ArticlesUnchanged int   `json:"articles_unchanged"`
	ArticlesFailed    int   `json:"articles_failed"`
	Images            int   `json:"images"`   // image references
	Archived          int   `json:"archived"` // references now linking to the store
	Failed            int   `json:"failed"`
	Skipped           int   `json:"skipped"`
	Unique            int   `json:"unique_images"` // distinct normalized URLs mirrored this run
	Fetched           int   `json:"fetched"`       // of which downloaded
	Reused            int   `json:"reused"`        // of which found in the URL index
	BytesFetched      int64 `json:"bytes_fetched"`
	StoreErrors       int   `json:"store_errors"`
}

// ArticleReport is the outcome for one article.
type ArticleReport struct {
	Source   string          `json:"source"`
	Output   string          `json:"output,omitempty"`
	Manifest string          `json:"manifest,omitempty"`
	Title    string          `json:"title,omitempty"`
	Status   string          `json:"status"` // complete, partial, unchanged, error, dry-run
	Counts   manifest.Counts `json:"counts"`
	Failures []Failure       `json:"failures,omitempty"`
	Error    string          `json:"error,omitempty"`

	storeErr bool // the article could not be written to the store
}

// Failure is one image reference that could not be archived.
type Failure struct {
	URL   string `json:"url"`
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// Article statuses in reports.
const (
	ArticleComplete  = "complete"
	ArticlePartial   = "partial"
	ArticleUnchanged = "unchanged"
	ArticleError     = "error"
	ArticleDryRun    = "dry-run"
)

// StoreError reports that the store cannot be used at all; the CLI exits 3.
type StoreError struct {
	Store string
	Err   error
}

func (e *StoreError) Error() string { return "store " + e.Store + ": " + e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

func (r *Report) add(a ArticleReport) {
	r.Articles = append(r.Articles, a)
	t := &r.Totals
	t.Articles++
	switch a.Status {
	case ArticleUnchanged:
		t.ArticlesUnchanged++
	case ArticleError:
		t.ArticlesFailed++
	case ArticleComplete, ArticlePartial:
		t.ArticlesWritten++
	}
	if a.storeErr {
		t.StoreErrors++
	}
	t.Images += a.Counts.Images
	t.Archived += a.Counts.Archived
	t.Failed += a.Counts.Failed
	t.Skipped += a.Counts.Skipped
}
