package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/golden"
)

// loadRuns analyses fixed run directories together, as fnbench report
// does, each labelled by its name and with its built-in checks. A bare
// name is a directory under testdata/.
func loadRuns(t *testing.T, names ...string) []Run {
	t.Helper()
	loaded := make([]*analyze.Run, len(names))
	for i, n := range names {
		dir := n
		if !strings.Contains(n, "/") {
			dir = filepath.Join("testdata", n)
		}
		run, err := analyze.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		loaded[i] = run
	}
	var runs []Run
	for i, s := range analyze.SummarizeRuns(loaded, analyze.Options{}) {
		checks, err := analyze.Check(s, analyze.CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, Run{Label: filepath.Base(names[i]), Summary: s, Checks: checks})
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

// Two runs of one target side by side, each labelled: series take the
// labels, every format names the runs, and the headline compares the
// target across them.
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
	for f, ext := range map[string]string{"md": "md", "text": "txt", "junit": "junit.xml"} {
		var buf bytes.Buffer
		if err := Render(&buf, f, runs, Options{}); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "two-runs."+ext, buf.Bytes())
		if !strings.Contains(buf.String(), "before") || !strings.Contains(buf.String(), "after") {
			t.Errorf("%s does not name the runs by their labels", f)
		}
	}
	if h, want := Headline(runs), "before and after had the same p99 within the 95% confidence intervals for target lambda (10.7ms vs 10.7ms)"; !strings.HasPrefix(h, want) {
		t.Errorf("headline %q, want it to start %q", h, want)
	}
}

// Runs of several targets pair like-named targets: the headline, the
// tables and the comparison charts set azure beside azure, never aws
// beside invoke.
func TestRunsPairLikeNamedTargets(t *testing.T) {
	runs := loadRuns(t, "run-aws-vs-azure", simFixture)
	runs[0].Label, runs[1].Label = "base", "cand"
	h := Headline(runs)
	if want := "base p99 was 5.8× cand's for target azure (8.19s vs 1.41s)"; !strings.HasPrefix(h, want) {
		t.Errorf("headline %q, want it to start %q", h, want)
	}
	var compared []string
	for _, c := range Charts(runs) {
		if strings.HasPrefix(c.Name, "compare-") {
			compared = append(compared, c.Name)
		}
	}
	if len(compared) != 1 || compared[0] != "compare-base-azure-vs-cand-azure" {
		t.Errorf("comparison charts %q, want only base/azure vs cand/azure", compared)
	}
	for f, ext := range map[string]string{"md": "md", "text": "txt"} {
		var buf bytes.Buffer
		if err := Render(&buf, f, runs, Options{}); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "two-runs-paired."+ext, buf.Bytes())
	}
	var page bytes.Buffer
	if err := HTML(&page, runs, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<h3>azure</h3>`, `</span>cand</td><td>all</td>`, `id="chart-compare-base-azure-vs-cand-azure"`} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the HTML report lacks %s", want)
		}
	}
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
