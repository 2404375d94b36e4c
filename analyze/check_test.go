package analyze

import (
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/scenarios"
)

func thresholds(t *testing.T, exprs ...string) []scenarios.Threshold {
	t.Helper()
	var out []scenarios.Threshold
	for _, e := range exprs {
		th, err := scenarios.ParseThreshold(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, th)
	}
	return out
}

func fixtureSummary(t *testing.T) *Summary {
	t.Helper()
	r, err := Load(simFixture)
	if err != nil {
		t.Fatal(err)
	}
	return Summarize(r)
}

// A run without thresholds gets the built-in checks: completed, enough
// sent, few errors, for each target.
func TestBuiltinChecks(t *testing.T) {
	rep, err := Check(fixtureSummary(t), CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1+2*3 || !rep.OK() {
		for _, r := range rep.Results {
			t.Logf("%+v", r)
		}
		t.Fatalf("%d results, ok %v; want 7 passing", len(rep.Results), rep.OK())
	}
	rep, _ = Check(fixtureSummary(t), CheckOptions{NoBuiltin: true})
	if len(rep.Results) != 0 || !rep.OK() {
		t.Errorf("--no-default-checks still checked %d things", len(rep.Results))
	}
}

// Thresholds pass and fail on the observed value, with its interval, per
// target unless scoped; a percentile with too few samples is inconclusive
// with the number it takes.
func TestThresholdVerdicts(t *testing.T) {
	s := fixtureSummary(t)
	p99 := s.Tables[0].Total.P99
	rep, err := Check(s, CheckOptions{Thresholds: thresholds(t,
		"target=invoke p99 < "+(p99+time.Millisecond).String(),
		"target=invoke p99 < "+(p99/2).String(),
		"target=invoke phase=warm-up p99.9 < 10s",
		"error_rate < 1%",
	)})
	if err != nil {
		t.Fatal(err)
	}
	want := []Verdict{Pass, Fail, Inconclusive, Pass, Pass, Pass}
	if len(rep.Results) != len(want) {
		t.Fatalf("%d results, want %d", len(rep.Results), len(want))
	}
	for i, r := range rep.Results {
		if r.Verdict != want[i] {
			t.Errorf("%s on %s: %s (observed %v, note %q), want %s", r.Expr, r.Target, r.Verdict, r.Observed, r.Note, want[i])
		}
	}
	if r := rep.Results[0]; r.CI95 == nil || r.CI95[0] > r.Observed || r.CI95[1] < r.Observed {
		t.Errorf("p99 %v has interval %v", r.Observed, r.CI95)
	}
	if r := rep.Results[2]; r.Needed < r.Samples || !strings.Contains(r.Note, "it takes") {
		t.Errorf("inconclusive p99.9 from %d samples says it needs %d: %q", r.Samples, r.Needed, r.Note)
	}
	if rep.OK() {
		t.Error("a failed threshold passed the gate")
	}
}

// A scope that names nothing in the run is an error, naming what there is.
func TestThresholdScopeErrors(t *testing.T) {
	s := fixtureSummary(t)
	for expr, want := range map[string]string{
		"target=nope p99 < 1s": "no target \"nope\"; its targets are invoke, url, azure",
		"phase=nope p99 < 1s":  "no phase \"nope\"",
	} {
		_, err := Check(s, CheckOptions{Thresholds: thresholds(t, expr)})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", expr, err, want)
		}
	}
}

// The fewest samples whose percentile a 95% interval bounds.
func TestSamplesNeeded(t *testing.T) {
	for p, want := range map[float64][2]int64{50: {6, 6}, 90: {30, 40}, 99: {300, 400}, 99.9: {3000, 4000}} {
		if n := SamplesNeeded(p); n < want[0] || n > want[1] {
			t.Errorf("p%v needs %d samples, want %d..%d", p, n, want[0], want[1])
		}
	}
}

// A window threshold is judged in every window; the worst one decides and
// is located.
func TestWindowThreshold(t *testing.T) {
	s := fixtureSummary(t)
	rep, err := Check(s, CheckOptions{Thresholds: thresholds(t, "target=invoke p50[1s] < 1ms", "target=invoke error_rate[1s] <= 0")})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Verdict != Fail || r.Windows < 5 || r.Window != time.Second {
		t.Errorf("p50[1s] < 1ms: %s over %d windows", r.Verdict, r.Windows)
	}
	if r := rep.Results[1]; r.Verdict != Pass {
		t.Errorf("error_rate[1s] <= 0 on a run without errors: %s (%v)", r.Verdict, r.Observed)
	}
}

// A run compared with itself has changed in nothing.
func TestCompareWithItself(t *testing.T) {
	s := fixtureSummary(t)
	c, err := Compare(s, s, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Regressed() || len(c.Pairs) != 3 {
		t.Fatalf("%+v", c)
	}
	for _, p := range c.Pairs {
		for _, m := range p.Metrics {
			if m.Verdict == Regression || m.Verdict == Improved || m.Change != 0 {
				t.Errorf("%s %s: %s, change %v", p.Baseline, m.Metric, m.Verdict, m.Change)
			}
			t.Logf("%s %s: %s %v→%v (%v %v) n=%v %s", p.Baseline, m.Metric, m.Verdict, m.Baseline, m.Candidate, m.Change, m.CI95, m.Samples, m.Note)
		}
	}
}

func TestParseTolerance(t *testing.T) {
	tol, err := ParseTolerance("p99=20%, error_rate=1pp, init.p50=25%")
	if err != nil {
		t.Fatal(err)
	}
	if tol["p99"] != 0.2 || tol["error_rate"] != 0.01 || tol["init.p50"] != 0.25 || tol["p50"] != 0.10 {
		t.Errorf("%v", tol)
	}
	for _, bad := range []string{"p99", "p99=10", "error_rate=1ms", "nope=10%", "achieved=1pp", "p99=-1%"} {
		if _, err := ParseTolerance(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
