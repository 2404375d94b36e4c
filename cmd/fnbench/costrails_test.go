package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

// costScenario sends rate/s for dur to the simulator's Go function URL,
// priced as a 10,240 MB Lambda function: there, a millisecond costs about
// as much as the request itself, so what the requests measure matters.
func costScenario(t *testing.T, rate, dur string) string {
	return writeScenario(t, "name: cost\nseed: 1\ninterval: 250ms\ntargets: [{name: f, url: sim://aws-go-hello/hello, memory_mb: 10240}]\ntraffic: {phases: [{shape: constant, rate: "+rate+", duration: "+dur+"}]}\n")
}

// --max-cost refuses a run whose requests would cost more than the budget
// even at 1 ms each, before anything is sent (issue 13, safety rails).
func TestMaxCostRefusesARunOverBudget(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	// 1,000 requests at 1 ms and 10,240 MB: about $0.00037.
	code, _, errs := cli("run", costScenario(t, "200/s", "5s"), "--max-cost", "0.0002", "--out", dir, "--progress", "none")
	if code != 2 || !strings.Contains(errs, "this run will cost at least $0.0004") || !strings.Contains(errs, "over --max-cost $0.0002") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if _, err := rundir.ReadInfo(dir); err == nil {
		t.Error("the refused run wrote a run directory")
	}
	if code, _, errs := cli("run", costScenario(t, "20/s", "1s"), "--max-cost", "-1", "--progress", "none"); code != 2 || !strings.Contains(errs, "--max-cost -1 is not an amount") {
		t.Errorf("--max-cost -1: exit %d\n%s", code, errs)
	}
}

// A run whose cost so far passes --max-cost is stopped: its requests take
// longer than the 1 ms the refusal assumed (issue 13, safety rails).
func TestMaxCostStopsARunThatGoesOver(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	// The floor of 1,000 requests is about $0.00037; they measure about
	// twice the millisecond each, so the budget is passed well before the
	// end.
	code, out, errs := cli("run", costScenario(t, "200/s", "5s"), "--max-cost", "0.00048", "--out", dir, "--progress", "none")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the run was stopped)\n%s\n%s", code, out, errs)
	}
	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != rundir.StatusAborted || !strings.Contains(run.Info.StatusReason, "passed --max-cost $0.00048") {
		t.Errorf("status %s, reason %q: want aborted for the budget", run.Status, run.Info.StatusReason)
	}
	if sent := analyze.Summarize(run).Tables[0].Total.Sent; sent >= 1000 || sent < 100 {
		t.Errorf("sent %d of 1,000: want the run stopped part way", sent)
	}
}
