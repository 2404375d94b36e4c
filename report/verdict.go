package report

import (
	"fmt"
	"strings"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/units"
)

// Headline is the one-sentence verdict a report opens with, on the
// targets of the runs as the report names them. Several runs: each target
// in a later run against the same target in the first run that has it —
// by how many times its p99 differs, or that it is the same within the
// 95% confidence intervals — and their cold starts. One run of several
// targets: the slowest p99 against the fastest, likewise. One target: its
// p99, cold starts and errors.
func Headline(runs []Run) string {
	series, groups := layout(runs)
	if len(series) == 0 {
		return "no targets"
	}
	all := make([]p99Of, len(series))
	for i, s := range series {
		ts := s.Table()
		all[i] = p99Of{s.Name, ts.Total.Latency.OK, ts.Total}
	}
	var parts []string
	if len(all) == 1 {
		x := all[0]
		if x.ok == nil {
			return fmt.Sprintf("%s answered no request successfully (%d errors)", x.name, x.row.Errors)
		}
		parts = append(parts, fmt.Sprintf("%s p99 was %s over %d requests; %s", x.name, units.Latency(x.ok.P99.Value), x.ok.Count, plural(x.row.Cold, "cold start")))
	} else if pairs := comparisons(runs, groups); len(runs) > 1 && len(pairs) > 0 {
		parts = append(parts, acrossRuns(runs, groups, all)...)
	} else {
		parts = append(parts, slowestAndFastest(all)...)
	}
	for _, x := range all {
		if x.row.ErrorRate != 0 {
			parts = append(parts, fmt.Sprintf("%s failed %.1f%% of requests", x.name, 100*x.row.ErrorRate))
		}
	}
	return strings.Join(parts, "; ")
}

// p99Of is one series as the headline weighs it.
type p99Of struct {
	name string
	ok   *analyze.LatencyStats
	row  analyze.Row
}

// acrossRuns compares each target of a later run with the same target in
// the first run that has it, naming runs by their labels; then the cold
// starts.
func acrossRuns(runs []Run, groups []targetGroup, all []p99Of) []string {
	var parts []string
	var last [2]p99Of
	n := 0
	for _, g := range groups {
		target := "target " + g.Name
		if len(g.Names) > 1 {
			target = "targets " + g.Name
		}
		base := all[g.Series[0]]
		base.name = runs[g.Runs[0]].Label
		for k, si := range g.Series[1:] {
			cand := all[si]
			cand.name = runs[g.Runs[k+1]].Label
			if base.ok == nil || cand.ok == nil {
				parts = append(parts, fmt.Sprintf("no p99 to compare for %s: %s or %s answered no request successfully", target, base.name, cand.name))
				continue
			}
			a, b := base, cand
			if cand.ok.P99.Value > base.ok.P99.Value {
				a, b = cand, base
			}
			parts = append(parts, versus(a, b, " for "+target))
			last, n = [2]p99Of{a, b}, n+1
		}
	}
	if n == 1 {
		parts = append(parts, fmt.Sprintf("%s vs %d", plural(last[0].row.Cold, "cold start"), last[1].row.Cold))
	} else {
		parts = append(parts, coldStarts(all))
	}
	return parts
}

// slowestAndFastest compares the slowest p99 of the series with the
// fastest; then the cold starts.
func slowestAndFastest(all []p99Of) []string {
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
		return []string{"no target answered a request successfully", coldStarts(all)}
	case slow == fast:
		return []string{fmt.Sprintf("every target's p99 was %s", units.Latency(all[slow].ok.P99.Value)), coldStarts(all)}
	}
	a, b := all[slow], all[fast]
	parts := []string{versus(a, b, "")}
	if len(all) == 2 {
		return append(parts, fmt.Sprintf("%s vs %d", plural(a.row.Cold, "cold start"), b.row.Cold))
	}
	return append(parts, coldStarts(all))
}

// versus compares the p99 of a, the slower, with b's: by how many times,
// or the same within the 95% confidence intervals. scope says where.
func versus(a, b p99Of, scope string) string {
	if !a.ok.P99.Above(b.ok.P99) {
		return fmt.Sprintf("%s and %s had the same p99 within the 95%% confidence intervals%s (%s vs %s)",
			a.name, b.name, scope, units.Latency(a.ok.P99.Value), units.Latency(b.ok.P99.Value))
	}
	return fmt.Sprintf("%s p99 was %s %s's%s (%s vs %s)", a.name, times(float64(a.ok.P99.Value)/float64(b.ok.P99.Value)),
		b.name, scope, units.Latency(a.ok.P99.Value), units.Latency(b.ok.P99.Value))
}

func coldStarts(all []p99Of) string {
	var cs []string
	for _, x := range all {
		cs = append(cs, fmt.Sprintf("%s %d", x.name, x.row.Cold))
	}
	return "cold starts: " + strings.Join(cs, ", ")
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
