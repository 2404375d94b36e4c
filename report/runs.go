package report

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/report/charts"
)

// Run is one run as a report shows it: its summary, the label that names
// it beside other runs, and the verdicts of its checks. Runs of one report
// are summarised together (analyze.SummarizeRuns), so that their monthly
// projections share a rate.
type Run struct {
	Label   string
	Summary *analyze.Summary
	// Checks are the run's thresholds judged by analyze.Check: the
	// scenario's, or the built-in checks when it has none. The caller
	// judges them (a report calls no analysis); nil lists no checks.
	Checks *analyze.CheckReport
}

// ParseRunArg splits a command-line run argument, RUN or RUN=label. An
// argument naming an existing directory is a run without a label even if
// it holds '=' (the label is then the directory's base name).
func ParseRunArg(arg string) (dir, label string) {
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		return arg, filepath.Base(filepath.Clean(arg))
	}
	if i := strings.LastIndex(arg, "="); i > 0 && i < len(arg)-1 {
		return arg[:i], arg[i+1:]
	}
	return arg, filepath.Base(filepath.Clean(arg))
}

// Series lists the targets of the runs in the order charts colour them
// and tables show them: by target (in the order first seen), then run by
// run. One run names each by its target; several runs of one target each
// name each by its run's label; otherwise "label/target".
func Series(runs []Run) []charts.Series {
	series, _ := layout(runs)
	return series
}

// targetGroup is one target as a report sets it side by side across runs:
// the series of every run that has it, in run order. Several runs of one
// target each make one group whatever the targets are called.
type targetGroup struct {
	Name   string   // the target's name, or names joined
	Names  []string // the distinct target names: one, unless several runs of one target each name it differently
	Series []int    // indices into the series
	Runs   []int    // the run of each series, indices into the runs
}

// layout lays the targets of the runs out as Series orders them, and
// groups them by target.
func layout(runs []Run) ([]charts.Series, []targetGroup) {
	oneEach := len(runs) > 1
	for _, r := range runs {
		oneEach = oneEach && len(r.Summary.Tables) == 1
	}
	var groups []targetGroup
	index := map[string]int{}
	var names [][]string
	var targets [][]int
	for ri, r := range runs {
		for ti, ts := range r.Summary.Tables {
			key := ts.Target.Name
			if oneEach {
				key = ""
			}
			g, ok := index[key]
			if !ok {
				g = len(groups)
				index[key] = g
				groups = append(groups, targetGroup{})
				names, targets = append(names, nil), append(targets, nil)
			}
			groups[g].Runs = append(groups[g].Runs, ri)
			names[g] = append(names[g], ts.Target.Name)
			targets[g] = append(targets[g], ti)
		}
	}
	var series []charts.Series
	for g := range groups {
		groups[g].Names = unique(names[g])
		groups[g].Name = joinComma(groups[g].Names)
		for k, ri := range groups[g].Runs {
			r := runs[ri]
			name := names[g][k]
			switch {
			case oneEach:
				name = r.Label
			case len(runs) > 1:
				name = r.Label + "/" + name
			}
			groups[g].Series = append(groups[g].Series, len(series))
			series = append(series, charts.Series{Name: name, Summary: r.Summary, Target: targets[g][k]})
		}
	}
	return series, groups
}

// comparisons are the pairs of series, baseline and candidate, that a
// report compares: in one run the first target with each other one; across
// runs each target in the first run that has it with the same target in
// every later run.
func comparisons(runs []Run, groups []targetGroup) [][2]int {
	var out [][2]int
	if len(runs) == 1 {
		for i := 1; i < len(groups); i++ {
			out = append(out, [2]int{groups[0].Series[0], groups[i].Series[0]})
		}
		return out
	}
	for _, g := range groups {
		for _, s := range g.Series[1:] {
			out = append(out, [2]int{g.Series[0], s})
		}
	}
	return out
}

func summaries(runs []Run) []*analyze.Summary {
	out := make([]*analyze.Summary, len(runs))
	for i, r := range runs {
		out[i] = r.Summary
	}
	return out
}
