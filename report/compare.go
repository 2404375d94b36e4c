package report

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/fnbench/fnbench/analyze"
)

// WriteCompare writes a candidate run compared with a baseline
// (analyze.Compare) in one of GateFormats; baseLabel and candLabel name
// the runs.
func WriteCompare(w io.Writer, format, baseLabel, candLabel string, c *analyze.Comparison) error {
	switch format {
	case "text":
		return writeText(w, compareText(baseLabel, candLabel, c))
	case "md":
		return writeText(w, compareMarkdown(baseLabel, candLabel, c))
	case "json":
		return writeJSON(w, NewCompareJSON(baseLabel, candLabel, c))
	case "junit":
		return writeJUnit(w, []junitSuite{compareSuite(baseLabel, candLabel, c)})
	}
	return unsupported(format, GateFormats)
}

// compareText sets baseline and candidate side by side for a terminal, a
// table per target pair, then the tally.
func compareText(baseLabel, candLabel string, c *analyze.Comparison) string {
	var b strings.Builder
	fmt.Fprintf(&b, "compare %s (candidate) with %s (baseline)\n", candLabel, baseLabel)
	for i := range c.Pairs {
		p := &c.Pairs[i]
		fmt.Fprintf(&b, "\ntarget %s\n", pairName(p))
		t := newTextTable(&b)
		t.row("metric", baseLabel, candLabel, "change", "95% CI", "tolerance", "verdict", "")
		for k := range p.Metrics {
			mc := &p.Metrics[k]
			change, ci := changeWithCI(mc)
			t.row(mc.Metric, sideValue(mc, 0), sideValue(mc, 1), change, ci, c.Tolerance[mc.Metric], verdictMark(mc.Verdict)+" "+string(mc.Verdict), mc.Note)
		}
		t.flush()
	}
	b.WriteString("\n" + compareLine(c) + "\n")
	return b.String()
}

// compareMarkdown is a comparison for a pull request comment: the
// regressions first, each with its change and interval, then the table.
func compareMarkdown(baseLabel, candLabel string, c *analyze.Comparison) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### fnbench compare: %s vs %s\n\n", mdEscape(candLabel), mdEscape(baseLabel))
	var regressions []string
	for i := range c.Pairs {
		p := &c.Pairs[i]
		for k := range p.Metrics {
			if mc := &p.Metrics[k]; mc.Verdict == analyze.Regression {
				change, ci := changeWithCI(mc)
				regressions = append(regressions, fmt.Sprintf("%s %s %s (CI %s) beyond %s", pairName(p), mc.Metric, change, ci, c.Tolerance[mc.Metric]))
			}
		}
	}
	if len(regressions) > 0 {
		fmt.Fprintf(&b, "**❌ %s: %s.**\n\n", plural(int64(len(regressions)), "regression"), mdEscape(strings.Join(regressions, "; ")))
	} else {
		b.WriteString("**✅ No regression.**\n\n")
	}
	b.WriteString(upperFirst(compareLine(c)) + ".\n\n")
	fmt.Fprintf(&b, "| target | metric | %s | %s | change | 95%% CI | tolerance | verdict |\n", mdEscape(baseLabel), mdEscape(candLabel))
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
	var notes []string
	for i := range c.Pairs {
		p := &c.Pairs[i]
		for k := range p.Metrics {
			mc := &p.Metrics[k]
			change, ci := changeWithCI(mc)
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s %s |\n", mdEscape(pairName(p)), mdEscape(mc.Metric),
				sideValue(mc, 0), sideValue(mc, 1), change, ci, c.Tolerance[mc.Metric], mdMark(mc.Verdict), mc.Verdict)
			if mc.Note != "" {
				notes = append(notes, fmt.Sprintf("- %s %s: %s", mdEscape(pairName(p)), mdEscape(mc.Metric), mdEscape(mc.Note)))
			}
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n<details><summary>Notes</summary>\n\n" + strings.Join(notes, "\n") + "\n\n</details>\n")
	}
	return b.String()
}

// compareSuite is a comparison as a JUnit test suite: a test case per
// target pair and metric; a regression fails, an inconclusive one is
// skipped with its note.
func compareSuite(baseLabel, candLabel string, c *analyze.Comparison) junitSuite {
	su := junitSuite{Name: candLabel + " vs " + baseLabel, Properties: &junitProperties{[]junitProperty{
		{"baseline", baseLabel}, {"baseline_dir", c.Baseline}, {"candidate", candLabel}, {"candidate_dir", c.Candidate},
	}}}
	for i := range c.Pairs {
		p := &c.Pairs[i]
		for k := range p.Metrics {
			mc := &p.Metrics[k]
			change, ci := changeWithCI(mc)
			text := sideValue(mc, 0) + " → " + sideValue(mc, 1)
			if hasChange(mc) {
				text += fmt.Sprintf(", change %s (95%% CI %s)", change, ci)
			}
			text += fmt.Sprintf(", tolerance %s: %s", c.Tolerance[mc.Metric], mc.Verdict)
			tc := junitCase{Name: mc.Metric, Classname: "fnbench." + pairName(p), Time: "0"}
			switch mc.Verdict {
			case analyze.Regression:
				tc.fail(fmt.Sprintf("%s %s %s (95%% CI %s) beyond the %s tolerance", pairName(p), mc.Metric, change, ci, c.Tolerance[mc.Metric]), text)
			case analyze.Undecided:
				tc.skip(mc.Note, text)
			default:
				tc.SystemOut = text
			}
			su.add(tc)
		}
	}
	return su
}

// compareLine tallies the verdicts and says whether the gate (no
// regression) passes.
func compareLine(c *analyze.Comparison) string {
	s := fmt.Sprintf("%s, %d improved, %d unchanged, %d inconclusive: the gate ", plural(int64(c.Counts[string(analyze.Regression)]), "regression"),
		c.Counts[string(analyze.Improved)], c.Counts[string(analyze.Unchanged)], c.Counts[string(analyze.Undecided)])
	if c.Regressed() {
		return s + "fails"
	}
	return s + "passes"
}

// pairName names a target pair: the target, or baseline → candidate when
// their names differ.
func pairName(p *analyze.PairComparison) string {
	if p.Baseline == p.Candidate {
		return p.Baseline
	}
	return p.Baseline + " → " + p.Candidate
}

// hasChange reports whether a metric's change was estimated: an
// inconclusive one may have had too few requests to estimate at all.
func hasChange(mc *analyze.MetricChange) bool {
	return mc.Verdict != analyze.Undecided || mc.CI95 != [2]float64{}
}

// sideValue is the baseline's (side 0) or the candidate's (1) value; "-"
// without requests to measure it on.
func sideValue(mc *analyze.MetricChange, side int) string {
	v := []float64{mc.Baseline, mc.Candidate}[side]
	if mc.Samples[side] == 0 {
		return "-"
	}
	return quantity(mc.Unit, v)
}

// changeWithCI prints a change and its 95% interval: relative for a
// latency (+21%, +12%..+30%), a difference in percentage points for a rate
// (+0.50pp); "-" when there is no estimate.
func changeWithCI(mc *analyze.MetricChange) (change, ci string) {
	if !hasChange(mc) {
		return "-", "-"
	}
	f := func(v float64) string {
		switch {
		case v == 0 && mc.Relative:
			return "0%"
		case v == 0:
			return "0pp"
		case !mc.Relative:
			return fmt.Sprintf("%+.2fpp", 100*v)
		case math.Abs(100*v) >= 9.95: // would print 10.0% with a decimal
			return fmt.Sprintf("%+.0f%%", 100*v)
		}
		return fmt.Sprintf("%+.1f%%", 100*v)
	}
	return f(mc.Change), f(mc.CI95[0]) + ".." + f(mc.CI95[1])
}

// CompareJSON is the JSON document of a comparison (fnbench compare
// --format json), described in docs/gate-schema.md.
type CompareJSON struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          string `json:"kind"` // "compare"
	// Baseline and Candidate are the runs' labels; *Dir their directories.
	Baseline     string `json:"baseline"`
	BaselineDir  string `json:"baseline_dir"`
	Candidate    string `json:"candidate"`
	CandidateDir string `json:"candidate_dir"`
	OK           bool   `json:"ok"` // the gate: no metric regressed
	// Counts has every verdict, zero or not: regression, improved,
	// unchanged, inconclusive.
	Counts map[string]int `json:"counts"`
	// Tolerance is what each compared metric may worsen by: "10%" (a
	// relative change) or "0.5pp" (percentage points).
	Tolerance map[string]string `json:"tolerance"`
	Pairs     []PairJSON        `json:"pairs"`
}

// PairJSON is one baseline target compared with one candidate target.
type PairJSON struct {
	BaselineTarget  string             `json:"baseline_target"`
	CandidateTarget string             `json:"candidate_target"`
	Metrics         []MetricChangeJSON `json:"metrics"`
}

// MetricChangeJSON is one metric of one pair. Baseline and Candidate are
// in Unit (ns, or ratio: a share in [0, 1]); Change, CI95 and Tolerance
// are a relative change (0.2 is 20% more) when ChangeKind is "relative", a
// difference of shares (0.01 is one percentage point more) when it is
// "difference".
type MetricChangeJSON struct {
	Metric     string        `json:"metric"`
	Unit       string        `json:"unit"`
	Baseline   *float64      `json:"baseline"`  // null without requests to measure
	Candidate  *float64      `json:"candidate"` //
	ChangeKind string        `json:"change_kind"`
	Change     *float64      `json:"change"` // null when too few requests to estimate it
	CI95       *IntervalJSON `json:"ci95"`   //
	Tolerance  float64       `json:"tolerance"`
	Verdict    string        `json:"verdict"` // regression, improved, unchanged or inconclusive
	// BaselineSamples and CandidateSamples are the requests each estimate
	// rests on; Needed, when inconclusive, about how many each run would
	// need (0 otherwise).
	BaselineSamples  int64  `json:"baseline_samples"`
	CandidateSamples int64  `json:"candidate_samples"`
	Needed           int64  `json:"needed"`
	Note             string `json:"note"`
}

// NewCompareJSON builds the JSON document of a comparison.
func NewCompareJSON(baseLabel, candLabel string, c *analyze.Comparison) *CompareJSON {
	doc := &CompareJSON{SchemaVersion: GateSchemaVersion, Kind: "compare", Baseline: baseLabel, BaselineDir: c.Baseline,
		Candidate: candLabel, CandidateDir: c.Candidate, OK: !c.Regressed(), Counts: map[string]int{}, Tolerance: c.Tolerance, Pairs: []PairJSON{}}
	for _, v := range []analyze.ChangeVerdict{analyze.Regression, analyze.Improved, analyze.Unchanged, analyze.Undecided} {
		doc.Counts[string(v)] = c.Counts[string(v)]
	}
	for _, p := range c.Pairs {
		pj := PairJSON{BaselineTarget: p.Baseline, CandidateTarget: p.Candidate, Metrics: []MetricChangeJSON{}}
		for _, mc := range p.Metrics {
			mj := MetricChangeJSON{Metric: mc.Metric, Unit: mc.Unit, ChangeKind: "difference", Tolerance: mc.Tolerance, Verdict: string(mc.Verdict),
				BaselineSamples: mc.Samples[0], CandidateSamples: mc.Samples[1], Needed: mc.Needed, Note: mc.Note}
			if mc.Relative {
				mj.ChangeKind = "relative"
			}
			if mc.Samples[0] > 0 {
				mj.Baseline = &mc.Baseline
			}
			if mc.Samples[1] > 0 {
				mj.Candidate = &mc.Candidate
			}
			if hasChange(&mc) {
				mj.Change = &mc.Change
				mj.CI95 = &IntervalJSON{Low: mc.CI95[0], High: mc.CI95[1]}
			}
			pj.Metrics = append(pj.Metrics, mj)
		}
		doc.Pairs = append(doc.Pairs, pj)
	}
	return doc
}
