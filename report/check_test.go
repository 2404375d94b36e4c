package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/golden"
	"github.com/fnbench/fnbench/scenarios"
)

// simFixture is package analyze's committed simulator run: three targets
// (invoke, url, azure), steps and a spike, priced by REPORT lines and by
// estimate.
const simFixture = "../analyze/testdata/run-sim"

// gateExt is the golden file extension of each gate format.
var gateExt = map[string]string{"text": "txt", "md": "md", "json": "json", "junit": "junit.xml"}

func simSummary(t *testing.T) *analyze.Summary {
	t.Helper()
	run, err := analyze.Load(simFixture)
	if err != nil {
		t.Fatal(err)
	}
	return analyze.Summarize(run)
}

// simChecks judges the simulator run against threshold expressions.
func simChecks(t *testing.T, o analyze.CheckOptions, exprs ...string) *analyze.CheckReport {
	t.Helper()
	for _, e := range exprs {
		th, err := scenarios.ParseThreshold(e)
		if err != nil {
			t.Fatal(err)
		}
		o.Thresholds = append(o.Thresholds, th)
	}
	rep, err := analyze.Check(simSummary(t), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The thresholds of the golden check: p99 passes on the AWS targets and
// fails on Azure, the warm-up's p99.9 has too few samples, a windowed p50
// names its worst window, and a cost fails on Azure.
var goldenThresholds = []string{"p99 < 100ms", "target=invoke phase=warm-up p99.9 < 10s", "target=url p50[1s] < 5ms", "cost_per_million < $1"}

// A check report in every gate format, on golden files.
func TestCheckGolden(t *testing.T) {
	rep := simChecks(t, analyze.CheckOptions{}, goldenThresholds...)
	for format, ext := range gateExt {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCheck(&buf, format, "run-sim", rep); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "check."+ext, buf.Bytes())
		})
	}
}

// What a terminal user must read off the text: each verdict, the observed
// value with its interval, the samples an inconclusive threshold needs,
// the worst window, and the gate.
func TestCheckTextSaysWhatToDo(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCheck(&buf, "text", "run-sim", simChecks(t, analyze.CheckOptions{}, goldenThresholds...)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range [][]string{
		{"✘ fail", "azure", "p99 < 100ms", "1.41s (738ms–1.66s)"},
		{"? inconclusive", "invoke", "warm-up", "p99.9 < 10s", "needs 3688 samples, has 40"},
		{"✔ pass", "url", "p50[1s] < 5ms", "worst 1s window at 5.5s–6.5s (of 16)"},
		// Azure's memory is unknown in this run: its cost is a range, which
		// spans the limit.
		{"? inconclusive", "azure", "cost_per_million < $1", "($0.459–$3.31)", "a range"},
		{"5 passed, 1 failed, 2 inconclusive: the gate fails"},
	} {
		if !hasLine(out, want...) {
			t.Errorf("no line of the text has %q:\n%s", want, out)
		}
	}
}

// hasLine reports whether one line of out holds every part, in order.
func hasLine(out string, parts ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := line, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}

// The JSON document reads back with its kind, version and gate, and every
// result in it.
func TestCheckJSONReadsBack(t *testing.T) {
	rep := simChecks(t, analyze.CheckOptions{}, goldenThresholds...)
	var buf bytes.Buffer
	if err := WriteCheck(&buf, "json", "run-sim", rep); err != nil {
		t.Fatal(err)
	}
	var doc CheckJSON
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != "check" || doc.SchemaVersion != 1 || doc.OK || doc.Run != "run-sim" || len(doc.Results) != len(rep.Results) {
		t.Fatalf("kind %q, version %d, ok %v, run %q, %d results", doc.Kind, doc.SchemaVersion, doc.OK, doc.Run, len(doc.Results))
	}
	for _, r := range doc.Results {
		if r.Verdict == "inconclusive" && r.CI95 == nil || r.Verdict == "inconclusive" && r.Needed == 0 && !strings.Contains(r.Note, "a range") {
			t.Errorf("inconclusive %s: needed %d, ci95 %v", r.Threshold, r.Needed, r.CI95)
		}
		if (r.Window != nil) != strings.Contains(r.Threshold, "[") {
			t.Errorf("%s: window %+v", r.Threshold, r.Window)
		}
	}
}

// In JUnit an inconclusive threshold fails like a failed one; with
// inconclusive results let through it is skipped instead.
func TestCheckJUnitInconclusive(t *testing.T) {
	for _, passes := range []bool{false, true} {
		rep := simChecks(t, analyze.CheckOptions{InconclusivePasses: passes}, goldenThresholds...)
		var buf bytes.Buffer
		if err := WriteCheck(&buf, "junit", "run-sim", rep); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Skipped  int `xml:"skipped,attr"`
		}
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		want := [3]int{len(rep.Results), rep.Failed + rep.Inconclusive, 0}
		if passes {
			want = [3]int{len(rep.Results), rep.Failed, rep.Inconclusive}
		}
		if got := [3]int{doc.Tests, doc.Failures, doc.Skipped}; got != want {
			t.Errorf("inconclusive passes %v: tests, failures, skipped %v, want %v", passes, got, want)
		}
		if passes {
			golden.Check(t, "check-inconclusive-passes.junit.xml", buf.Bytes())
		}
	}
}

func TestGateUnknownFormat(t *testing.T) {
	want := `--format "html" is not supported; use text, md, json, junit`
	if err := WriteCheck(&bytes.Buffer{}, "html", "x", &analyze.CheckReport{}); err == nil || err.Error() != want {
		t.Errorf("check: %v", err)
	}
	if err := WriteCompare(&bytes.Buffer{}, "html", "a", "b", &analyze.Comparison{}); err == nil || err.Error() != want {
		t.Errorf("compare: %v", err)
	}
}

// A report shows the checks the caller judged, the scenario's thresholds
// instead of the built-in ones: the tally in Markdown with what did not
// pass listed, and each result in the HTML report beside its target.
func TestReportShowsTheRunsChecks(t *testing.T) {
	runs := loadRuns(t, simFixture)
	runs[0].Checks = simChecks(t, analyze.CheckOptions{}, goldenThresholds...)
	var md bytes.Buffer
	if err := Render(&md, "md", runs, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\nChecks: 5 passed, 1 failed, 2 inconclusive: the gate fails.\n",
		"\n- ❌ azure `p99 < 100ms`: observed 1.41s (95% CI 738ms–1.66s)\n",
		"\n- ⚠️ invoke `target=invoke phase=warm-up p99.9 < 10s`: observed 17.6ms (95% CI 6.02ms–17.6ms); needs 3688 samples, has 40\n",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the Markdown report lacks %q:\n%s", want, md.String())
		}
	}
	if strings.Contains(md.String(), "achieved >= 99%") {
		t.Error("the Markdown report lists built-in checks the caller did not judge")
	}
	var page bytes.Buffer
	if err := HTML(&page, runs, Options{}); err != nil {
		t.Fatal(err)
	}
	if want := `<li><span class="fail">✘ p99 &lt; 100ms</span> — observed 1.41s (95% CI 738ms–1.66s)</li>`; !strings.Contains(page.String(), want) {
		t.Errorf("the HTML report lacks %s", want)
	}
}
