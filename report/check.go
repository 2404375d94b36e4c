package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/units"
)

// GateFormats are the output formats of a check and of a comparison
// (fnbench check, fnbench compare).
var GateFormats = []string{"text", "md", "json", "junit"}

// GateSchemaVersion is the version of the check and compare JSON
// documents, which docs/gate-schema.md describes. Like the summary's
// schema_version it changes only when a field is removed, renamed or
// changes meaning.
const GateSchemaVersion = 1

// WriteCheck writes the verdicts of one run's thresholds (analyze.Check)
// in one of GateFormats; label names the run.
func WriteCheck(w io.Writer, format, label string, rep *analyze.CheckReport) error {
	switch format {
	case "text":
		return writeText(w, checkText(label, rep))
	case "md":
		return writeText(w, checkMarkdown(label, rep))
	case "json":
		return writeJSON(w, NewCheckJSON(label, rep))
	case "junit":
		su := junitSuite{Name: label}
		su.addChecks(rep)
		return writeJUnit(w, []junitSuite{su})
	}
	return unsupported(format, GateFormats)
}

// checkText lists a check report for a terminal: a line per result (its
// verdict, target, phase when any result has one, the threshold, the
// observed value with its 95% interval, and what else a reader needs),
// then the tally and whether the gate passes.
func checkText(label string, rep *analyze.CheckReport) string {
	var b strings.Builder
	if label != "" {
		fmt.Fprintf(&b, "checks of %s\n", label)
	}
	// The phase column only when a threshold is scoped to a phase.
	phases := slices.ContainsFunc(rep.Results, func(r analyze.CheckResult) bool { return r.Phase != "" })
	cols := func(c ...string) []string {
		if !phases {
			return slices.Delete(c, 2, 3)
		}
		return c
	}
	t := newTextTable(&b)
	if len(rep.Results) > 0 {
		t.row(cols("verdict", "target", "phase", "threshold", "observed (95% CI)", "")...)
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		t.row(cols(verdictMark(r.Verdict)+" "+string(r.Verdict), checkTarget(r), phaseName(r.Phase), r.Expr, observedWithCI(r), checkDetail(r))...)
	}
	t.flush()
	b.WriteString(gateLine(rep) + "\n")
	return b.String()
}

// checkMarkdown is a check report for a GitHub job summary or pull
// request comment: the gate first, then a row per result, those that did
// not pass first.
func checkMarkdown(label string, rep *analyze.CheckReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### fnbench check: %s\n\n", mdEscape(label))
	mark := "✅"
	if !rep.OK() {
		mark = "❌"
	}
	fmt.Fprintf(&b, "**%s %s.**\n", mark, upperFirst(gateLine(rep)))
	if len(rep.Results) == 0 {
		return b.String()
	}
	b.WriteString("\n| verdict | target | phase | threshold | observed (95% CI) | detail |\n")
	b.WriteString("| --- | --- | --- | --- | ---: | --- |\n")
	results := slices.Clone(rep.Results)
	slices.SortStableFunc(results, func(x, y analyze.CheckResult) int { return cmp.Compare(verdictRank(x.Verdict), verdictRank(y.Verdict)) })
	for i := range results {
		r := &results[i]
		fmt.Fprintf(&b, "| %s %s | %s | %s | %s | %s | %s |\n", mdMark(r.Verdict), r.Verdict, mdEscape(checkTarget(r)), mdEscape(phaseName(r.Phase)),
			mdCode(r.Expr), observedWithCI(r), mdEscape(checkDetail(r)))
	}
	return b.String()
}

// gateLine tallies the verdicts and says whether the gate passes.
func gateLine(rep *analyze.CheckReport) string {
	s := fmt.Sprintf("%d passed, %d failed, %d inconclusive: the gate ", rep.Passed, rep.Failed, rep.Inconclusive)
	switch {
	case !rep.OK():
		return s + "fails"
	case rep.Inconclusive > 0:
		return s + "passes (inconclusive results let through)"
	}
	return s + "passes"
}

// verdictRank orders verdicts worst first.
func verdictRank(v analyze.Verdict) int {
	return slices.Index([]analyze.Verdict{analyze.Fail, analyze.Inconclusive, analyze.Pass}, v)
}

// verdictMarks are the marks of a check's or a comparison's verdict: in
// text and HTML, and in Markdown, where emoji read best. (A comparison's
// inconclusive is a check's.)
var verdictMarks = map[string][2]string{
	string(analyze.Pass): {"✔", "✅"}, string(analyze.Fail): {"✘", "❌"}, string(analyze.Inconclusive): {"?", "⚠️"},
	string(analyze.Regression): {"✘", "❌"}, string(analyze.Improved): {"✔", "✅"}, string(analyze.Unchanged): {"✔", "✅"},
}

// verdictMark is a verdict's mark in text and HTML.
func verdictMark[V analyze.Verdict | analyze.ChangeVerdict](v V) string {
	return verdictMarks[string(v)][0]
}

// mdMark is a verdict's mark in Markdown.
func mdMark[V analyze.Verdict | analyze.ChangeVerdict](v V) string { return verdictMarks[string(v)][1] }

// checkTarget names a result's target; "-" for a check of the whole run.
func checkTarget(r *analyze.CheckResult) string {
	if r.Target == "" {
		return "-"
	}
	return r.Target
}

// phaseName names a threshold's phase; "all" for the whole run, as the
// tables name it.
func phaseName(p string) string {
	if p == "" {
		return "all"
	}
	return p
}

// observedWithCI is a result's observed value with its 95% interval in
// parentheses, in the metric's unit; a status check's status.
func observedWithCI(r *analyze.CheckResult) string {
	if r.Unit == "status" {
		return r.Note
	}
	s := quantity(r.Unit, r.Observed)
	if r.CI95 != nil {
		s += " (" + quantity(r.Unit, r.CI95[0]) + "–" + quantity(r.Unit, r.CI95[1]) + ")"
	}
	return s
}

// checkSentence is a result in prose, for JUnit and the HTML report:
// "observed 4.47ms (95% CI 3.89ms–21.7ms); …".
func checkSentence(r *analyze.CheckResult) string {
	s := r.Note
	if r.Unit != "status" {
		s = "observed " + quantity(r.Unit, r.Observed)
		if r.CI95 != nil {
			s += " (95% CI " + quantity(r.Unit, r.CI95[0]) + "–" + quantity(r.Unit, r.CI95[1]) + ")"
		}
	}
	if d := checkDetail(r); d != "" {
		s += "; " + d
	}
	return s
}

// checkDetail is what else a reader of a result needs: which window was
// the worst, how many samples an inconclusive one needs, or the analysis'
// note.
func checkDetail(r *analyze.CheckResult) string {
	var parts []string
	switch {
	case r.Window > 0 && r.Windows > 0:
		parts = append(parts, fmt.Sprintf("worst %s window at %s–%s (of %d)", r.Window, r.WindowAt, r.WindowAt+r.Window, r.Windows))
	case r.Window > 0 && r.Verdict == analyze.Inconclusive:
		parts = append(parts, fmt.Sprintf("no %s window could be judged", r.Window))
	}
	switch {
	case r.Verdict == analyze.Inconclusive && r.Needed > 0:
		// The analysis' note says the same in other words.
		parts = append(parts, fmt.Sprintf("needs %d samples, has %d", r.Needed, r.Samples))
	case r.Unit != "status" && r.Note != "":
		parts = append(parts, r.Note)
	}
	return strings.Join(parts, "; ")
}

// quantity prints a value in a check's or comparison's unit: ns a
// latency, ratio a percentage, usd dollars.
func quantity(unit string, v float64) string {
	switch unit {
	case "ns":
		if v == 0 {
			return "0s"
		}
		return units.Latency(time.Duration(v))
	case "ratio":
		return percent(v)
	case "usd":
		if v < 1 {
			return "$" + strconv.FormatFloat(v, 'g', 3, 64)
		}
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// percent prints a share in [0, 1] as a percentage with two decimals.
func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }

// CheckJSON is the JSON document of a check (fnbench check --format
// json), described in docs/gate-schema.md.
type CheckJSON struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          string `json:"kind"` // "check"
	Run           string `json:"run"`  // the run's label
	// OK is the gate: nothing failed, and nothing was inconclusive unless
	// InconclusivePasses.
	OK                 bool              `json:"ok"`
	Passed             int               `json:"passed"`
	Failed             int               `json:"failed"`
	Inconclusive       int               `json:"inconclusive"`
	InconclusivePasses bool              `json:"inconclusive_passes"`
	Results            []CheckResultJSON `json:"results"`
}

// CheckResultJSON is one threshold judged on one target. Observed, Limit
// and CI95 are in Unit: ns (nanoseconds), ratio (a share in [0, 1]), usd
// (US dollars), or status (the run's status, in Note; both 0).
type CheckResultJSON struct {
	Threshold string        `json:"threshold"` // the expression as written
	Target    string        `json:"target"`    // "" for a check of the whole run
	Phase     string        `json:"phase"`     // "" for the whole run
	Metric    string        `json:"metric"`
	Builtin   bool          `json:"builtin"` // one of the checks a run without thresholds gets
	Abort     bool          `json:"abort"`   // the threshold could end the attack
	Verdict   string        `json:"verdict"` // pass, fail or inconclusive
	Op        string        `json:"op"`
	Unit      string        `json:"unit"`
	Observed  float64       `json:"observed"`
	Limit     float64       `json:"limit"`
	CI95      *IntervalJSON `json:"ci95"` // null where the metric has none
	// Samples is what the value was estimated from; Needed, for an
	// inconclusive percentile, how many it takes (else 0).
	Samples int64       `json:"samples"`
	Needed  int64       `json:"needed"`
	Window  *WindowJSON `json:"window"` // null for a threshold over the whole span
	Note    string      `json:"note"`
}

// IntervalJSON is a 95% confidence interval, in the unit of what it
// brackets.
type IntervalJSON struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// WindowJSON is a windowed threshold's worst window.
type WindowJSON struct {
	Length  time.Duration `json:"length_ns"`
	WorstAt time.Duration `json:"worst_at_ns"` // the start of the worst window, from the run start
	Judged  int           `json:"judged"`      // windows with enough samples to judge
}

// NewCheckJSON builds the JSON document of a check report.
func NewCheckJSON(label string, rep *analyze.CheckReport) *CheckJSON {
	doc := &CheckJSON{SchemaVersion: GateSchemaVersion, Kind: "check", Run: label, OK: rep.OK(),
		Passed: rep.Passed, Failed: rep.Failed, Inconclusive: rep.Inconclusive, InconclusivePasses: rep.InconclusivePasses,
		Results: []CheckResultJSON{}}
	for _, r := range rep.Results {
		rj := CheckResultJSON{Threshold: r.Expr, Target: r.Target, Phase: r.Phase, Metric: r.Metric, Builtin: r.Builtin, Abort: r.Abort,
			Verdict: string(r.Verdict), Op: r.Op, Unit: r.Unit, Observed: r.Observed, Limit: r.Limit, Samples: r.Samples, Needed: r.Needed, Note: r.Note}
		if r.CI95 != nil {
			rj.CI95 = &IntervalJSON{Low: r.CI95[0], High: r.CI95[1]}
		}
		if r.Window > 0 {
			rj.Window = &WindowJSON{Length: r.Window, WorstAt: r.WindowAt, Judged: r.Windows}
		}
		doc.Results = append(doc.Results, rj)
	}
	return doc
}
