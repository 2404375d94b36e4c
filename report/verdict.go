package report

import (
	"fmt"
	"strings"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/units"
)

// Headline is the one-sentence verdict a report opens with, on the
// targets of the runs as the report names them. For several targets it
// compares the slowest p99 with the fastest, says whether the difference
// is beyond the 95% confidence intervals, and sets their cold starts side
// by side; for one it gives its p99, cold starts and errors.
func Headline(runs []Run) string {
	type st struct {
		name string
		ok   *analyze.LatencyStats
		row  analyze.Row
	}
	names := targetNames(runs)
	var all []st
	for _, r := range runs {
		for _, ts := range r.Summary.Tables {
			all = append(all, st{names[len(all)], ts.Total.Latency.OK, ts.Total})
		}
	}
	if len(all) == 0 {
		return "no targets"
	}
	var parts []string
	errs := func(x st) string {
		if x.row.ErrorRate == 0 {
			return ""
		}
		return fmt.Sprintf("%s failed %.1f%% of requests", x.name, 100*x.row.ErrorRate)
	}
	if len(all) == 1 {
		x := all[0]
		if x.ok == nil {
			return fmt.Sprintf("%s answered no request successfully (%d errors)", x.name, x.row.Errors)
		}
		parts = append(parts, fmt.Sprintf("%s p99 was %s over %d requests; %s", x.name, units.Latency(x.ok.P99.Value), x.ok.Count, plural(x.row.Cold, "cold start")))
		if e := errs(x); e != "" {
			parts = append(parts, e)
		}
		return strings.Join(parts, "; ")
	}
	slow, fast := -1, -1
	for i, x := range all {
		if x.ok == nil {
			continue
		}
		if slow < 0 || x.ok.P99.Value > all[slow].ok.P99.Value {
			slow = i
		}
		if fast < 0 || x.ok.P99.Value < all[fast].ok.P99.Value {
			fast = i
		}
	}
	switch {
	case slow < 0:
		parts = append(parts, "no target answered a request successfully")
	case slow == fast:
		parts = append(parts, fmt.Sprintf("every target's p99 was %s", units.Latency(all[slow].ok.P99.Value)))
	default:
		a, b := all[slow], all[fast]
		if !a.ok.P99.Above(b.ok.P99) {
			parts = append(parts, fmt.Sprintf("%s and %s had the same p99 within the 95%% confidence intervals (%s vs %s)",
				a.name, b.name, units.Latency(a.ok.P99.Value), units.Latency(b.ok.P99.Value)))
		} else {
			parts = append(parts, fmt.Sprintf("%s p99 was %s %s's (%s vs %s)", a.name, times(float64(a.ok.P99.Value)/float64(b.ok.P99.Value)),
				b.name, units.Latency(a.ok.P99.Value), units.Latency(b.ok.P99.Value)))
		}
		if len(all) == 2 {
			parts = append(parts, fmt.Sprintf("%s vs %d", plural(a.row.Cold, "cold start"), b.row.Cold))
		}
	}
	if len(all) != 2 || slow < 0 || slow == fast {
		var cs []string
		for _, x := range all {
			cs = append(cs, fmt.Sprintf("%s %d", x.name, x.row.Cold))
		}
		parts = append(parts, "cold starts: "+strings.Join(cs, ", "))
	}
	for _, x := range all {
		if e := errs(x); e != "" {
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, "; ")
}

// times prints a ratio: 2.4×, 31×, 150×.
func times(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2g×", r)
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
