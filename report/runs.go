package report

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/report/charts"
)

// Run is one run as a report shows it: its summary and the label that
// names it beside other runs.
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

// Series lists the targets of the runs in the order charts colour them.
// One run: each target by its name. Several runs of one target each: each
// by its run's label. Otherwise "label/target".
func Series(runs []Run) []charts.Series {
	oneEach := true
	for _, r := range runs {
		oneEach = oneEach && len(r.Summary.Tables) == 1
	}
	var out []charts.Series
	for _, r := range runs {
		for i, ts := range r.Summary.Tables {
			name := ts.Target.Name
			switch {
			case len(runs) > 1 && oneEach:
				name = r.Label
			case len(runs) > 1:
				name = r.Label + "/" + name
			}
			out = append(out, charts.Series{Name: name, Summary: r.Summary, Target: i})
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
