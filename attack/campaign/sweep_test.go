package campaign

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/internal/rundir"
)

// A memory sweep runs the traffic once per size, in the sweep's order, each
// into <out>/<size>mb whose metadata shows the size the simulator billed,
// and puts the original size back.
func TestSweepRunsEachSizeIntoItsOwnDirectoryAndRestoresMemory(t *testing.T) {
	s := startSim(t, 0.01)
	before := configOf(t, s)
	opt, log := options(t, s, lambdaScenario(t, "sweep: {memory_mb: [256, 1024]}", "50/s", "400ms"))
	var finished []string
	opt.Finished = func(res *attack.Outcome) error { finished = append(finished, res.Dir); return nil }
	if _, err := Run(context.Background(), opt); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	want := []string{filepath.Join(opt.OutDir, "256mb"), filepath.Join(opt.OutDir, "1024mb")}
	if !slices.Equal(finished, want) {
		t.Errorf("runs %v, want %v", finished, want)
	}
	for i, mb := range []int{256, 1024} {
		info, err := rundir.ReadInfo(want[i])
		if err != nil {
			t.Fatal(err)
		}
		if meta := info.Targets[0].Meta; meta == nil || meta.MemoryMB != mb || meta.Source != rundir.MetaFromPlatform {
			t.Errorf("%d MB step: metadata %+v", mb, meta)
		}
		if n := invocations(s, func(inv sim.Invocation) bool { return inv.MemoryMB == mb }); n != 20 {
			t.Errorf("%d MB step: the simulator saw %d invocations at that size, want 20", mb, n)
		}
	}
	checkRestored(t, s, before)
}

// Cancelling the context in the middle of a sweep's first size stops the
// sweep there (the next size never runs) and still puts the original
// memory back; the campaign fails with the interrupted run.
func TestSweepRestoresMemoryAfterInterrupt(t *testing.T) {
	s := startSim(t, 0.01)
	before := configOf(t, s)
	opt, log := options(t, s, lambdaScenario(t, "sweep: {memory_mb: [256, 1024]}", "20/s", "30s"))
	r := runAndCancel(t, opt, func() bool {
		return invocations(s, func(inv sim.Invocation) bool { return inv.MemoryMB == 256 }) >= 5
	})
	if r.err == nil || !strings.Contains(r.err.Error(), "run interrupted") {
		t.Errorf("error %v, want the run interrupted\n%s", r.err, log)
	}
	if len(r.outcomes) != 1 || r.outcomes[0].Status != rundir.StatusInterrupted {
		t.Errorf("outcomes %+v, want the first size's run, interrupted", r.outcomes)
	}
	if _, err := os.Stat(filepath.Join(opt.OutDir, "1024mb")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the second size ran after the interrupt (%v)", err)
	}
	if n := invocations(s, func(inv sim.Invocation) bool { return inv.MemoryMB == 1024 }); n != 0 {
		t.Errorf("%d invocations at 1024 MB after the interrupt", n)
	}
	checkRestored(t, s, before)
}

// A step that fails (here the caller's summary of the first run) stops the
// campaign with that error, and the memory and the cold-start nonce are put
// back all the same.
func TestConfigurationIsRestoredWhenAStepFails(t *testing.T) {
	s := startSim(t, 0.01)
	before := configOf(t, s)
	opt, log := options(t, s, lambdaScenario(t, "cold_start: {force: {count: 2}}\nsweep: {memory_mb: [512, 2048]}", "10/s", "200ms"))
	broken := errors.New("cannot summarise")
	opt.Finished = func(*attack.Outcome) error { return broken }
	outcomes, err := Run(context.Background(), opt)
	if !errors.Is(err, broken) || len(outcomes) != 1 {
		t.Errorf("error %v after %d runs, want the summary's error after the first\n%s", err, len(outcomes), log)
	}
	if _, err := os.Stat(filepath.Join(opt.OutDir, "2048mb")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the second size ran after the failure (%v)", err)
	}
	checkRestored(t, s, before)
}
