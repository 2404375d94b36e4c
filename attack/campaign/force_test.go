package campaign

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// Each forced sample follows a configuration update, and the simulator's
// ground truth says every one of them started a new environment; the run
// records them as a phase of their own, and the function's configuration
// is what it was before.
func TestForcedColdStartsAreColdAndTheConfigurationIsRestored(t *testing.T) {
	s := startSim(t, 0.01)
	before := configOf(t, s)
	opt, log := options(t, s, lambdaScenario(t, "cold_start: {force: {count: 5}}", "20/s", "300ms"))
	outcomes, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if len(outcomes) != 1 || len(outcomes[0].Forced) != 1 || outcomes[0].Forced[0].Cold != 5 {
		t.Fatalf("outcomes %+v, want one run with 5 forced cold starts", outcomes)
	}
	truth := s.Truth()
	for i, inv := range truth[:5] {
		if !inv.Cold {
			t.Errorf("forced sample %d was warm according to the simulator", i+1)
		}
	}
	info, err := rundir.ReadInfo(outcomes[0].Dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Phases[0].Name != rundir.ForcedPhase {
		t.Errorf("phases %+v, want %s first", info.Phases, rundir.ForcedPhase)
	}
	checkRestored(t, s, before)
	if !strings.Contains(log.String(), "fnbench: restored the configuration of hello") {
		t.Errorf("the log does not report the restore:\n%s", log)
	}
}

// Cancelling the context while cold starts are being forced stops them,
// puts the configuration back, and fails the campaign with a readable,
// interrupted run that holds the samples taken so far.
func TestForcedColdStartsRestoreTheConfigurationAfterInterrupt(t *testing.T) {
	s := startSim(t, 0.05)
	before := configOf(t, s)
	opt, log := options(t, s, lambdaScenario(t, "cold_start: {force: {count: 20}}", "20/s", "1s"))
	r := runAndCancel(t, opt, func() bool {
		return invocations(s, func(inv sim.Invocation) bool { return inv.Cold }) >= 3
	})
	if r.err == nil || !strings.Contains(r.err.Error(), "run interrupted") {
		t.Errorf("error %v, want the run interrupted\n%s", r.err, log)
	}
	checkRestored(t, s, before)
	info, err := rundir.ReadInfo(opt.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != rundir.StatusInterrupted || len(info.Forced) != 1 {
		t.Fatalf("status %s, forced %+v; want interrupted with one forced target", info.Status, info.Forced)
	}
	if cold := info.Forced[0].Cold; cold < 3 || cold >= 20 {
		t.Errorf("%d forced cold starts before the interrupt, want some but not all", cold)
	}
}

// A target that cannot be reconfigured (auth none, as for the Runtime
// Interface Emulator) fails the campaign before anything is sent or
// written, saying why.
func TestForcingWithoutAControlPlaneFailsBeforeSending(t *testing.T) {
	plan, err := scenarios.Parse("rie.yaml", []byte(`name: rie
cold_start: {force: {count: 3}}
targets:
  - {name: rie, kind: aws-lambda, function: hello, region: us-east-1, endpoint: "http://127.0.0.1:1", auth: {type: none}}
traffic: {phases: [{shape: constant, rate: 1/s, duration: 1s}]}
`), scenarios.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Plan: plan, OutDir: t.TempDir() + "/run"}
	_, err = Run(context.Background(), opt)
	if err == nil || !strings.Contains(err.Error(), `target "rie": forcing cold starts updates the function's configuration, which needs auth aws-sigv4`) {
		t.Fatalf("error %v, want the control plane missing", err)
	}
	if _, err := rundir.ReadInfo(opt.OutDir); err == nil {
		t.Error("a run directory was written")
	}
}

// A campaign fails when a run did not complete or a target gave fewer
// forced cold starts than asked, with the reason the user needs.
func TestJudgeFailsIncompleteRunsAndForcedShortfalls(t *testing.T) {
	const dir = "runs/x"
	for _, tc := range []struct {
		name   string
		status string
		forced rundir.ForcedResult
		want   string
	}{
		{"complete", rundir.StatusComplete, rundir.ForcedResult{Target: "a", Wanted: 3, Cold: 3}, ""},
		{"interrupted", rundir.StatusInterrupted, rundir.ForcedResult{},
			"run interrupted: stopped; partial results are in runs/x"},
		{"warm samples", rundir.StatusComplete, rundir.ForcedResult{Target: "a", Wanted: 5, Cold: 3, Warm: 12, Attempts: 15},
			`target "a": 3 of 5 forced cold starts: 12 of 15 invocations after a configuration update were warm`},
		{"update failed", rundir.StatusComplete, rundir.ForcedResult{Target: "a", Wanted: 5, Cold: 1, Attempts: 1, Error: "the update Failed"},
			`target "a": 1 of 5 forced cold starts: the update Failed`},
	} {
		res := &attack.Outcome{Dir: dir, Status: tc.status, Reason: "stopped", Forced: []rundir.ForcedResult{tc.forced}}
		err := judge([]*attack.Outcome{res})
		if got := fmt.Sprint(err); (err == nil) != (tc.want == "") || (err != nil && got != tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
