package analyze

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/simenv"
	"github.com/fnbench/fnbench/scenarios"
)

// The CI gates' acceptance tests, against the simulator: a slowdown the
// simulator injects is a regression, runs of one configuration are not, a
// windowed threshold catches an end-of-run burst that the whole-run rate
// hides, and abort ends a hopeless run early.

// gateProfile is a Lambda function URL with a steady handler: median
// handlerMs, a tail to twice that, and environments that stay warm.
func gateProfile(t *testing.T, handlerMs float64, faults string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "gate.yaml")
	src := fmt.Sprintf(`name: gate
provider: aws-lambda
account_concurrency: 100000
functions:
  - name: f
    memory_mb: 512
    init: 30
    duration: {dist: lognormal, median_ms: %g, p90_ms: %g}
    keep_alive: 600000
    scale_out: {burst: -1}
    endpoints:
      - kind: lambda-url
        faults: %s
`, handlerMs, handlerMs*1.5, faults)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// simRun runs a constant rate against a gate profile and summarises it.
func simRun(t *testing.T, profile, scenarioTail string, watch func(*scenarios.Plan) attack.Watcher) *Summary {
	t.Helper()
	s := simtest.StartConfig(t, sim.Config{ProfileFiles: []string{profile}, Seed: 5})
	sum, err := simRunOn(s, t.TempDir(), scenarioTail, watch)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// simRunOn runs the scenario on a simulator already started, into dir/run;
// it may run beside another (it does not touch t).
func simRunOn(s *sim.Sim, dir, scenarioTail string, watch func(*scenarios.Plan) attack.Watcher) (*Summary, error) {
	dir = filepath.Join(dir, "run")
	src := "name: gate\nseed: 3\ninterval: 250ms\ntargets: [{name: f, url: sim://gate/f}]\n" + scenarioTail
	if _, err := simenv.Run(context.Background(), s, src, dir, watch); err != nil {
		return nil, err
	}
	r, err := Load(dir)
	if err != nil {
		return nil, err
	}
	return Summarize(r), nil
}

const gateTraffic = "traffic: {phases: [{name: steady, shape: constant, rate: 400/s, duration: 4s}]}\n"

func describeComparison(c *Comparison) string {
	var b strings.Builder
	for _, p := range c.Pairs {
		for _, m := range p.Metrics {
			fmt.Fprintf(&b, "  %s %s: %s, %.0f → %.0f, change %+.3f [%+.3f, %+.3f] n=%v %s\n",
				p.Baseline, m.Metric, m.Verdict, m.Baseline, m.Candidate, m.Change, m.CI95[0], m.CI95[1], m.Samples, m.Note)
		}
	}
	return b.String()
}

// A candidate whose function is 20% slower, injected through the
// simulator's handler time, is flagged a regression at p99.
func TestCompareFlagsAnInjectedSlowdown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator")
	}
	base := simRun(t, gateProfile(t, 40, "{}"), gateTraffic, nil)
	cand := simRun(t, gateProfile(t, 48, "{}"), gateTraffic, nil)
	c, err := Compare(base, cand, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", describeComparison(c))
	for _, m := range c.Pairs[0].Metrics {
		if m.Metric == "p99" && m.Verdict != Regression {
			t.Errorf("a 20%% slower function: p99 %s (change %+.3f, interval %v), want regression", m.Verdict, m.Change, m.CI95)
		}
	}
	if !c.Regressed() {
		t.Error("the comparison reports no regression")
	}
}

// Runs of one profile and configuration are not flagged: over 20 pairs, at
// most one (5%) reports a regression in any metric. The two runs of a pair
// go side by side, each on a simulator of its own: they share the
// machine's conditions, as a CI job's baseline and candidate would not, and
// the test takes half the time.
func TestCompareSameConfigurationFalsePositives(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator 40 times")
	}
	const pairs = 20
	profile := gateProfile(t, 20, "{}")
	traffic := "traffic: {phases: [{name: steady, shape: constant, rate: 400/s, duration: 1500ms}]}\n"
	flagged := 0
	verdicts := map[ChangeVerdict]int{}
	// Pairs run two at a time (four runs of 400/s at once, each on a
	// simulator of its own): the two runs of a pair always share the
	// moment, which is what the comparison assumes.
	const together = 2
	var runs [pairs][2]*Summary
	for first := 0; first < pairs; first += together {
		var errs [pairs][2]error
		var wg sync.WaitGroup
		for i := first; i < min(first+together, pairs); i++ {
			for k := range runs[i] {
				s := simtest.StartConfig(t, sim.Config{ProfileFiles: []string{profile}, Seed: 5})
				dir := t.TempDir()
				wg.Go(func() { runs[i][k], errs[i][k] = simRunOn(s, dir, traffic, nil) })
			}
		}
		wg.Wait()
		for i := first; i < min(first+together, pairs); i++ {
			if err := errors.Join(errs[i][:]...); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range pairs {
		base, cand := runs[i][0], runs[i][1]
		c, err := Compare(base, cand, CompareOptions{Seed: uint64(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range c.Pairs[0].Metrics {
			verdicts[m.Verdict]++
		}
		if c.Regressed() {
			flagged++
			t.Logf("pair %d flagged:\n%s", i, describeComparison(c))
		}
	}
	t.Logf("%d of %d pairs flagged; verdicts %v", flagged, pairs, verdicts)
	if flagged > pairs/20 {
		t.Errorf("%d of %d pairs of identical runs flagged a regression; want at most %d (5%%)", flagged, pairs, pairs/20)
	}
}

// A burst of errors at the end of a run hides in the whole-run error rate
// but not in a sliding window.
func TestWindowThresholdCatchesAnEndBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator")
	}
	// The simulator's clock starts a little before the run's, so the
	// burst is placed well inside the run: about 4.55–4.75 s of 5 s.
	profile := gateProfile(t, 5, "{error_windows: [{from_ms: 4600, to_ms: 4800}]}")
	s := simRun(t, profile, "traffic: {phases: [{name: steady, shape: constant, rate: 200/s, duration: 5s}]}\n", nil)
	rep, err := Check(s, CheckOptions{Thresholds: thresholds(t, "error_rate < 5%", "error_rate[500ms] < 5%")})
	if err != nil {
		t.Fatal(err)
	}
	whole, window := rep.Results[0], rep.Results[1]
	t.Logf("whole run %.2f%%, worst 500ms window %.2f%% at %v", 100*whole.Observed, 100*window.Observed, window.WindowAt)
	if s.Tables[0].Total.Errors < 20 {
		t.Fatalf("only %d errors: the burst missed the run", s.Tables[0].Total.Errors)
	}
	if whole.Verdict != Pass {
		t.Errorf("whole-run error rate %.2f%%: %s; the burst should hide in it", 100*whole.Observed, whole.Verdict)
	}
	if window.Verdict != Fail || window.WindowAt < 4*time.Second {
		t.Errorf("error_rate[500ms]: %s, worst window at %v; want a failure near the end", window.Verdict, window.WindowAt)
	}
}

// A threshold marked abort ends a hopeless run long before its schedule
// does, and the partial run is readable, with status aborted.
func TestAbortEndsAHopelessRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator")
	}
	profile := gateProfile(t, 5, "{error_rate: 0.5}")
	began := time.Now()
	s := simRun(t, profile, "traffic: {phases: [{name: steady, shape: constant, rate: 200/s, duration: 30s}]}\n"+
		"thresholds: [{expr: \"error_rate < 1%\", abort: true}]\n",
		func(p *scenarios.Plan) attack.Watcher { return NewAbortWatch(p.Scenario.Thresholds) })
	took := time.Since(began)
	if s.Run.Status != rundir.StatusAborted || !strings.Contains(s.Run.Info.StatusReason, `"error_rate < 1%" certainly lost`) {
		t.Fatalf("status %s (%s), want aborted", s.Run.Status, s.Run.Info.StatusReason)
	}
	if took > 10*time.Second || s.Tables[0].Total.Sent >= 6000 {
		t.Errorf("the run took %v and sent %d of 6,000", took, s.Tables[0].Total.Sent)
	}
	rep, err := Check(s, CheckOptions{Thresholds: s.Run.thresholds(t)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Error("an aborted run passed its gate")
	}
}

// thresholds reads the scenario's thresholds back from run.json.
func (r *Run) thresholds(t *testing.T) []scenarios.Threshold {
	t.Helper()
	var sc scenarios.Scenario
	if err := sc.UnmarshalJSON(r.Info.Scenario); err != nil {
		t.Fatal(err)
	}
	return sc.Thresholds
}
