package report

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/golden"
)

// loadRuns analyses fixed run directories under testdata/ together, as
// fnbench report does, labelled by name.
func loadRuns(t *testing.T, names ...string) []Run {
	t.Helper()
	loaded := make([]*analyze.Run, len(names))
	for i, n := range names {
		run, err := analyze.Load(filepath.Join("testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		loaded[i] = run
	}
	var runs []Run
	for i, s := range analyze.SummarizeRuns(loaded, analyze.Options{}) {
		runs = append(runs, Run{Label: names[i], Summary: s})
	}
	return runs
}

// Golden files for every machine- or terminal-read format, on the
// one-target local ramp and the two-target AWS-vs-Azure run.
func TestFormatsGolden(t *testing.T) {
	ext := map[string]string{"text": "txt", "md": "md", "json": "json", "junit": "junit.xml"}
	for _, run := range []string{"run-local-ramp", "run-aws-vs-azure"} {
		runs := loadRuns(t, run)
		for _, f := range []string{"text", "md", "json", "junit"} {
			t.Run(run+"/"+f, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Render(&buf, f, runs, Options{Version: "test"}); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, run+"."+ext[f], buf.Bytes())
			})
		}
	}
}

// Two runs side by side, each labelled: series take the labels.
func TestTwoRunsSideBySide(t *testing.T) {
	runs := loadRuns(t, "run-local-ramp", "run-local-ramp")
	runs[0].Label, runs[1].Label = "before", "after"
	var names []string
	for _, s := range Series(runs) {
		names = append(names, s.Name)
	}
	if len(names) != 2 || names[0] != "before" || names[1] != "after" {
		t.Errorf("series %q, want before and after", names)
	}
	var buf bytes.Buffer
	if err := Render(&buf, "md", runs, Options{}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "two-runs.md", buf.Bytes())
}

func TestParseRunArg(t *testing.T) {
	for arg, want := range map[string][2]string{
		"runs/a":                    {"runs/a", "a"},
		"runs/a=baseline":           {"runs/a", "baseline"},
		"runs/a=b=c":                {"runs/a=b", "c"},
		"testdata/run-local-ramp":   {"testdata/run-local-ramp", "run-local-ramp"},
		"testdata/run-local-ramp=x": {"testdata/run-local-ramp", "x"},
		"runs/trailing=":            {"runs/trailing=", "trailing="},
	} {
		dir, label := ParseRunArg(arg)
		if dir != want[0] || label != want[1] {
			t.Errorf("%q: %q, %q; want %q, %q", arg, dir, label, want[0], want[1])
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	err := Render(&bytes.Buffer{}, "pdf", loadRuns(t, "run-local-ramp"), Options{})
	if err == nil || err.Error() != `--format "pdf" is not supported; use text, md, json, junit, html` {
		t.Errorf("error %v", err)
	}
}
