package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// report collects the Markdown output: sections with tables and notes, and
// the goals with their status.
type report struct {
	all     strings.Builder // everything written so far
	pending strings.Builder // not yet flushed to stdout
	goals   []goal
}

// goal is one target from the issue and whether this run met it.
type goal struct {
	suite, what string
	met         bool
	measured    string
}

func (r *report) write(s string) {
	r.all.WriteString(s)
	r.pending.WriteString(s)
}

func (r *report) flush(w io.Writer) {
	io.WriteString(w, r.pending.String())
	r.pending.Reset()
}

func (r *report) section(title string) { r.write("\n## " + title + "\n\n") }

func (r *report) notef(format string, args ...any) {
	r.write(fmt.Sprintf(format, args...) + "\n\n")
}

// code writes a fenced block.
func (r *report) code(s string) {
	r.write("```\n" + strings.TrimRight(s, "\n") + "\n```\n\n")
}

func (r *report) goal(suite, what string, met bool, measured string) {
	r.goals = append(r.goals, goal{suite, what, met, measured})
	status := "MET"
	if !met {
		status = "MISSED"
	}
	r.notef("Goal: %s — **%s** (%s).", what, status, measured)
}

func (r *report) goalSummary() {
	if len(r.goals) == 0 {
		return
	}
	r.section("Goals")
	t := &table{head: []string{"suite", "goal", "status", "measured"}}
	for _, g := range r.goals {
		s := "met"
		if !g.met {
			s = "**missed**"
		}
		t.add(g.suite, g.what, s, g.measured)
	}
	r.table(t)
}

// table is a Markdown table.
type table struct {
	head []string
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (r *report) table(t *table) {
	width := make([]int, len(t.head))
	for i, h := range t.head {
		width[i] = len([]rune(h))
	}
	for _, row := range t.rows {
		for i, c := range row {
			if i < len(width) {
				width[i] = max(width[i], len([]rune(c)))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i := range width {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-len([]rune(c))) + " |")
		}
		b.WriteString("\n")
	}
	line(t.head)
	b.WriteString("|")
	for _, w := range width {
		b.WriteString(" " + strings.Repeat("-", max(w, 3)) + " |")
	}
	b.WriteString("\n")
	for _, row := range t.rows {
		line(row)
	}
	r.write(b.String() + "\n")
}

// machine describes the host.
func (r *report) machine(e *env) {
	r.write("# imgmirror benchmark results\n\n")
	model := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	t := &table{head: []string{"", ""}}
	t.add("date", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	t.add("CPUs (nproc)", fmt.Sprint(runtime.NumCPU()))
	t.add("CPU model", model)
	t.add("memory", mem)
	t.add("Go", e.goVersion)
	t.add("imgmirror source", e.source)
	t.add("OS", runtime.GOOS+"/"+runtime.GOARCH)
	imgs := "bench/testdata + generated images"
	if e.cfg.corpus != "" {
		imgs = "corpus " + e.cfg.corpus
	}
	t.add("images", imgs)
	t.add("origin latency", e.cfg.latency.String())
	t.add("load average at start (1, 5, 15 min)", loadavg())
	r.table(t)
}

func (r *report) toolTable(ts *tools) {
	r.section("Tools")
	t := &table{head: []string{"tool", "path", "version / status"}}
	for _, tl := range ts.list() {
		st := tl.version
		if !tl.ok() {
			st = "**MISSING** — install with `" + tl.hint + "`"
			if tl.err != "" {
				st += " (" + tl.err + ")"
			}
		}
		t.add(tl.name, tl.path, st)
	}
	r.table(t)
}

// Formatting helpers.

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func pct(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f %%", 100*a/b)
}

// timeDiv turns a count into a divisor for durations (at least 1).
func timeDiv(n int) time.Duration { return time.Duration(max(n, 1)) }

// loadavg returns the 1, 5 and 15 minute load averages: other work on the
// machine slows wall times down (CPU times much less).
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
