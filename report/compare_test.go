package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/golden"
)

// everyVerdict is a comparison with each verdict: a p99 regression, a p50
// improvement, an unchanged p90, an error rate the data cannot decide,
// and a cold p50 with too few cold starts to estimate; the second pair's
// targets are named differently.
func everyVerdict() *analyze.Comparison {
	c := &analyze.Comparison{
		Baseline: "runs/base", Candidate: "runs/cand",
		Counts:    map[string]int{"regression": 1, "improved": 1, "unchanged": 2, "inconclusive": 2},
		Tolerance: map[string]string{"p50": "10%", "p90": "10%", "p99": "10%", "cold.p50": "15%", "error_rate": "0.5pp"},
		Pairs: []analyze.PairComparison{
			{Baseline: "aws", Candidate: "aws", Metrics: []analyze.MetricChange{
				{Metric: "p50", Unit: "ns", Baseline: 20e6, Candidate: 15e6, Change: -0.25, Relative: true, CI95: [2]float64{-0.31, -0.18},
					Tolerance: 0.1, Verdict: analyze.Improved, Samples: [2]int64{6000, 6000}},
				{Metric: "p99", Unit: "ns", Baseline: 100e6, Candidate: 121e6, Change: 0.21, Relative: true, CI95: [2]float64{0.12, 0.30},
					Tolerance: 0.1, Verdict: analyze.Regression, Samples: [2]int64{6000, 6000}},
				{Metric: "error_rate", Unit: "ratio", Baseline: 0.002, Candidate: 0.004, Change: 0.002, CI95: [2]float64{-0.001, 0.0065},
					Tolerance: 0.005, Verdict: analyze.Undecided, Samples: [2]int64{6000, 6000}, Needed: 7800,
					Note: "the interval reaches past the tolerance; about 7800 requests per run would tell"},
			}},
			{Baseline: "azure", Candidate: "azure-flex", Metrics: []analyze.MetricChange{
				{Metric: "p90", Unit: "ns", Baseline: 400e6, Candidate: 408e6, Change: 0.02, Relative: true, CI95: [2]float64{-0.04, 0.07},
					Tolerance: 0.1, Verdict: analyze.Unchanged, Samples: [2]int64{6000, 6000}},
				{Metric: "cold.p50", Unit: "ns", Baseline: 2.1e9, Candidate: 1.9e9, Relative: true, Tolerance: 0.15,
					Verdict: analyze.Undecided, Samples: [2]int64{3, 4}, Needed: 6, Note: "cold.p50 needs at least 6 requests in each run (3 and 4)"},
				{Metric: "error_rate", Unit: "ratio", Tolerance: 0.005, Verdict: analyze.Unchanged, Samples: [2]int64{6000, 6000},
					CI95: [2]float64{-0.0006, 0.0006}},
			}},
		},
	}
	return c
}

// A comparison with every verdict, in every gate format, on golden files.
func TestCompareGolden(t *testing.T) {
	for format, ext := range gateExt {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCompare(&buf, format, "base", "cand", everyVerdict()); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "compare."+ext, buf.Bytes())
		})
	}
}

// A pull request comment opens with the regression, its change, interval
// and tolerance.
func TestCompareMarkdownLeadsWithRegressions(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCompare(&buf, "md", "base", "cand", everyVerdict()); err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(buf.String(), "\n", 4)[2]
	if want := "**❌ 1 regression: aws p99 +21% (CI +12%..+30%) beyond 10%.**"; first != want {
		t.Errorf("first line %q, want %q", first, want)
	}
}

// The JSON document: the verdict counts complete, and no change or
// interval where there was too little data to estimate one.
func TestCompareJSONReadsBack(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCompare(&buf, "json", "base", "cand", everyVerdict()); err != nil {
		t.Fatal(err)
	}
	var doc CompareJSON
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != "compare" || doc.OK || len(doc.Counts) != 4 || len(doc.Pairs) != 2 {
		t.Fatalf("%+v", doc)
	}
	cold := doc.Pairs[1].Metrics[1]
	if cold.Change != nil || cold.CI95 != nil || cold.Baseline == nil || cold.Needed != 6 {
		t.Errorf("cold.p50 from 3 and 4 cold starts: %+v", cold)
	}
	if p99 := doc.Pairs[0].Metrics[1]; p99.ChangeKind != "relative" || *p99.Change != 0.21 || p99.CI95.Low != 0.12 {
		t.Errorf("p99: %+v", p99)
	}
}

// A run compared with itself, as fnbench compare computes it: nothing
// regressed, and the text sets the runs side by side under their labels.
func TestCompareWithItselfText(t *testing.T) {
	s := simSummary(t)
	c, err := analyze.Compare(s, s, analyze.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"text", "md"} {
		var buf bytes.Buffer
		if err := WriteCompare(&buf, f, "before", "after", c); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "compare-self."+gateExt[f], buf.Bytes())
		if strings.Contains(buf.String(), "regression:") {
			t.Errorf("%s: a run regressed against itself", f)
		}
	}
}
