package report

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/report/charts"
)

// Run is one run as a report shows it: its summary and the label that
// names it beside other runs. Runs of one report are summarised together
// (analyze.SummarizeRuns), so that their monthly projections share a rate.
type Run struct {
	Label   string
	Summary *analyze.Summary
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

// Series lists the targets of the runs in the order charts colour them,
// each under its name (targetNames).
func Series(runs []Run) []charts.Series {
	names := targetNames(runs)
	var out []charts.Series
	for _, r := range runs {
		for i := range r.Summary.Tables {
			out = append(out, charts.Series{Name: names[len(out)], Summary: r.Summary, Target: i})
		}
	}
	return out
}

// targetNames names the targets of the runs, run by run, as a report
// shows them. One run: each target by its name. Several runs of one
// target each: each by its run's label. Otherwise "label/target".
func targetNames(runs []Run) []string {
	oneEach := true
	for _, r := range runs {
		oneEach = oneEach && len(r.Summary.Tables) == 1
	}
	var out []string
	for _, r := range runs {
		for _, ts := range r.Summary.Tables {
			name := ts.Target.Name
			switch {
			case len(runs) > 1 && oneEach:
				name = r.Label
			case len(runs) > 1:
				name = r.Label + "/" + name
			}
			out = append(out, name)
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
