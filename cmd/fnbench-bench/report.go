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

// benchReport synthesises the run directory of a one-hour run at 1,000
// requests/s per target (3,600 one-second intervals, two targets, realistic
// histograms, cold starts, billing) and times the built binary's
// `report --format json` on it: one warm-up run for the page cache, then
// the median of five.
func benchReport(fnbench, work string) error {
	dir := filepath.Join(work, "report-1h")
	os.RemoveAll(dir)
	start := time.Now()
	info, err := synthrun.Write(dir, synthrun.Options{Duration: time.Hour, RPS: 1000})
	if err != nil {
		return fmt.Errorf("synthesising the run: %w", err)
	}
	wrote := time.Since(start)
	fmt.Printf("\nreport --format json on a synthetic run: 1 h at 1,000 requests/s per target, %d targets, %d intervals, %.1f M requests, %.1f MiB on disk (written in %.1f s)\n",
		len(info.Targets), int(time.Hour/time.Duration(info.IntervalNanos)), float64(info.ExpectedPerTgt*int64(len(info.Targets)))/1e6,
		float64(dirSize(dir))/(1<<20), wrote.Seconds())
	out := filepath.Join(work, "summary.json")
	var times []time.Duration
	for i := range 6 {
		cmd := exec.Command(fnbench, "report", "--format", "json", "-o", out, dir)
		cmd.Stderr = os.Stderr
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("fnbench report: %w", err)
		}
		if i > 0 {
			times = append(times, time.Since(t0))
		}
	}
	slices.Sort(times)
	median := times[len(times)/2]
	verdict := "within"
	if median > reportBudget {
		verdict = "OVER"
	}
	st, _ := os.Stat(out)
	var size int64
	if st != nil {
		size = st.Size()
	}
	fmt.Printf("fnbench report --format json: median %.3f s of %d runs (min %.3f s, max %.3f s), %.1f MiB of JSON; %s the %s budget\n",
		median.Seconds(), len(times), times[0].Seconds(), times[len(times)-1].Seconds(), float64(size)/(1<<20), verdict, reportBudget)
	return nil
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
