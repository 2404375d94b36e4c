package scenarios

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseThreshold(t *testing.T) {
	ms := float64(time.Millisecond)
	for _, tc := range []struct {
		expr string
		want Threshold
	}{
		{"p99 < 500ms", Threshold{Metric: Metric{Name: "p99", Kind: KindLatency, Percentile: 99}, Op: OpLess, Value: 500 * ms}},
		{"p99.9<=2s", Threshold{Metric: Metric{Name: "p99.9", Kind: KindLatency, Percentile: 99.9}, Op: OpLessEqual, Value: 2000 * ms}},
		{"max < 1.5s", Threshold{Metric: Metric{Name: "max", Kind: KindLatency, Percentile: 100}, Op: OpLess, Value: 1500 * ms}},
		{"target=azure phase=spike cold.p50 <= 2s", Threshold{Target: "azure", Phase: "spike",
			Metric: Metric{Name: "cold.p50", Kind: KindLatency, Group: "cold", Percentile: 50}, Op: OpLessEqual, Value: 2000 * ms}},
		{"phase=warm-up init.p99.9 < 300ms", Threshold{Phase: "warm-up", Metric: Metric{Name: "init.p99.9", Kind: KindLatency, Group: "init", Percentile: 99.9}, Op: OpLess, Value: 300 * ms}},
		{"lag.p99 < 5ms", Threshold{Metric: Metric{Name: "lag.p99", Kind: KindLatency, Group: "lag", Percentile: 99}, Op: OpLess, Value: 5 * ms}},
		{"error_rate[30s] < 1%", Threshold{Metric: Metric{Name: "error_rate", Kind: KindRate}, Window: 30 * time.Second, Op: OpLess, Value: 0.01}},
		{"p99[500ms] < 250ms", Threshold{Metric: Metric{Name: "p99", Kind: KindLatency, Percentile: 99}, Window: 500 * time.Millisecond, Op: OpLess, Value: 250 * ms}},
		{"achieved >= 0.99", Threshold{Metric: Metric{Name: "achieved", Kind: KindRate}, Op: OpGreaterEqual, Value: 0.99}},
		{"cost_per_million < $5.20", Threshold{Metric: Metric{Name: "cost_per_million", Kind: KindCost}, Op: OpLess, Value: 5.2}},
		{"scale_time < 10s", Threshold{Metric: Metric{Name: "scale_time", Kind: KindLatency}, Op: OpLess, Value: 10000 * ms}},
		{"cold_rate > 0", Threshold{Metric: Metric{Name: "cold_rate", Kind: KindRate}, Op: OpGreater, Value: 0}},
	} {
		got, err := ParseThreshold(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		tc.want.Expr = tc.expr
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.expr, got, tc.want)
		}
	}
}

// Every error names what was expected, how to fix it, and where: the caret
// stands under the bad token.
func TestThresholdErrors(t *testing.T) {
	for _, tc := range []struct {
		expr, msg, caret string
	}{
		{"", "is empty", "^"},
		{"p99 < 5xs", `"5xs" is not a duration`, "      ^^^"},
		{"p99 < 500", "needs a unit", "      ^^^"},
		{"p0 < 500ms", `unknown metric "p0"`, "^^"},
		{"p100 < 1s", `unknown metric "p100"`, "^^^^"},
		{"errors_rate < 1%", "did you mean error_rate?", "^^^^^^^^^^^"},
		{"hot.p99 < 1s", `unknown metric group "hot"`, "^^^^^^^"},
		{"p99 = 1s", `"=" is not a comparison`, "    ^"},
		{"p99", "expected a comparison after p99", "   ^"},
		{"p99 <", "expected a value after <", "     ^"},
		{"error_rate < 150%", "not a percentage from 0 to 100", "             ^^^^"},
		{"error_rate < 2", "fraction from 0 to 1", "             ^"},
		{"cost_per_million < 5", "price in dollars", "                   ^"},
		{"p99[3x] < 1s", `window "3x" is not a duration`, "    ^^"},
		{"p99[3s < 1s", "window has no closing ]", "   ^"},
		{"p99 < 1s and p50 < 1s", `unexpected "and" after the value`, "         ^^^"},
		{"target= < 1s", "target= needs a name", "        ^"},
		{"target=a target=b p99 < 1s", "target is scoped twice", "         ^^^^^^"},
	} {
		_, err := ParseThreshold(tc.expr)
		te, ok := err.(*ThresholdError)
		if !ok {
			t.Errorf("%q: error %v, want a *ThresholdError", tc.expr, err)
			continue
		}
		if !strings.Contains(te.Error(), tc.msg) {
			t.Errorf("%q: %q does not say %q", tc.expr, te.Error(), tc.msg)
		}
		if got := strings.Split(te.Caret(), "\n")[1]; got != "  "+tc.caret {
			t.Errorf("%q: caret\n%s\nwant\n  %s", tc.expr, te.Caret(), tc.caret)
		}
	}
}

func TestOpHolds(t *testing.T) {
	if !OpLess.Holds(1, 2) || OpLess.Holds(2, 2) || !OpLessEqual.Holds(2, 2) || !OpGreater.Holds(3, 2) || !OpGreaterEqual.Holds(2, 2) {
		t.Error("comparisons do not compare")
	}
}

// FuzzParseThreshold: any text parses or fails with a positioned error
// whose caret lies within the expression; never a panic.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"p99 < 500ms", "target=a phase=b cold.p99.9[30s] >= 1.5s", "error_rate < 1%", "cost_per_million < $5",
		"achieved >= 0.99", "p99[", "<", "target=", "p99 < 1e308s", "lag.max < -1ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			te, ok := err.(*ThresholdError)
			if !ok {
				t.Fatalf("%q: %T %v", expr, err, err)
			}
			if te.Offset < 0 || te.Offset > len(expr) || te.Offset+te.Len > len(expr) {
				t.Fatalf("%q: caret at %d+%d outside the expression", expr, te.Offset, te.Len)
			}
			return
		}
		if th.Op == 0 || th.Metric.Kind == 0 || th.Value < 0 {
			t.Fatalf("%q parsed to %+v", expr, th)
		}
	})
}

// A scenario's thresholds, as strings or as mappings with abort, come
// through parsing and run.json's JSON alike.
func TestScenarioThresholds(t *testing.T) {
	plan, err := Parse("s.yaml", []byte(`name: gates
targets: [{name: aws, url: http://127.0.0.1:1/}]
traffic: {phases: [{name: steady, shape: constant, rate: 10/s, duration: 1s}]}
thresholds:
  - p99 < 500ms
  - {expr: "target=aws phase=steady error_rate[500ms] < 1%", abort: true}
`), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ths := plan.Scenario.Thresholds
	if len(ths) != 2 || ths[0].Expr != "p99 < 500ms" || ths[0].Abort || !ths[1].Abort || ths[1].Target != "aws" || ths[1].Window != 500*time.Millisecond {
		t.Fatalf("%+v", ths)
	}
	b, err := json.Marshal(plan.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	var back Scenario
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Thresholds) != 2 || back.Thresholds[1] != ths[1] {
		t.Errorf("through JSON: %+v", back.Thresholds)
	}
}
