package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/fnbench/fnbench/internal/synthrun"
)

// reportBudget is what `fnbench report --format json` may take on a
// one-hour run at 1,000 requests/s (issue 5).
const reportBudget = time.Second

// reportTiming is how long `fnbench report --format json` took on a
// synthetic run.
type reportTiming struct {
	targets, intervals int
	requests           int64
	dirMiB, jsonMiB    float64
	wrote              time.Duration // synthesising the run directory
	times              []time.Duration
}

func (t *reportTiming) String() string {
	median := t.times[len(t.times)/2]
	verdict := "within"
	if median > reportBudget {
		verdict = "OVER"
	}
	return fmt.Sprintf("1 h at 1,000 requests/s per target: %d targets, %d intervals, %.1f M requests, %.1f MiB on disk (synthesised in %.1f s). "+
		"Median %.3f s of %d runs (min %.3f s, max %.3f s), %.1f MiB of JSON: %s the %s budget.",
		t.targets, t.intervals, float64(t.requests)/1e6, t.dirMiB, t.wrote.Seconds(),
		median.Seconds(), len(t.times), t.times[0].Seconds(), t.times[len(t.times)-1].Seconds(), t.jsonMiB, verdict, reportBudget)
}

// timeReport synthesises the run directory of a one-hour run at 1,000
// requests/s per target (3,600 one-second intervals, two targets, realistic
// histograms, cold starts, billing) and times the built binary's
// `report --format json` on it: one warm-up run for the page cache, then
// the median of five.
func timeReport(fnbench, work string) (*reportTiming, error) {
	dir := filepath.Join(work, "report-1h")
	os.RemoveAll(dir)
	start := time.Now()
	info, err := synthrun.Write(dir, synthrun.Options{Duration: time.Hour, RPS: 1000})
	if err != nil {
		return nil, fmt.Errorf("synthesising the run: %w", err)
	}
	t := &reportTiming{
		targets:   len(info.Targets),
		intervals: int(time.Hour / time.Duration(info.IntervalNanos)),
		requests:  info.ExpectedPerTgt * int64(len(info.Targets)),
		wrote:     time.Since(start),
		dirMiB:    float64(dirSize(dir)) / (1 << 20),
	}
	out := filepath.Join(work, "summary.json")
	for i := range 6 {
		cmd := exec.Command(fnbench, "report", "--format", "json", "-o", out, dir)
		cmd.Stderr = os.Stderr
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("fnbench report: %w", err)
		}
		if i > 0 {
			t.times = append(t.times, time.Since(t0))
		}
	}
	slices.Sort(t.times)
	if st, err := os.Stat(out); err == nil {
		t.jsonMiB = float64(st.Size()) / (1 << 20)
	}
	os.RemoveAll(dir)
	return t, nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
