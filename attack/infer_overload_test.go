package attack_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/rundir"
)

// hogCPU keeps every core busy from after until stop is called: a client
// that cannot keep up, whatever the machine.
func hogCPU(after time.Duration) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	start := time.Now().Add(after)
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			time.Sleep(time.Until(start))
			for n := 0; !done.Load(); n++ {
				if n%1_000_000 == 0 {
					runtime.Gosched() // stay preemptible at a cost the load generator feels
				}
			}
		})
	}
	return func() { done.Store(true); wg.Wait() }
}

// With the client overloaded (a high rate, and every core kept busy
// besides) against a marker-less function of the in-process simulator,
// detection auto, the responses the busy client read late are not taken
// for cold starts: no more than 1% of the responses are tagged cold
// beyond the simulator's ground truth (issue 12's target), and the run
// says the client was the bottleneck. Without the client's delay the
// detector tagged 2 to 24% of such a run's responses (see
// attack/clientdelay.go).
func TestOverloadedClientTagsNoColdStartsBeyondTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("overloads the machine for a few seconds and scores timing")
	}
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"aws-go-hello"}, TimeScale: 1, Seed: 5, KeepTruth: true})
	// Warm for a second, then 8,000 requests a second for 1.5 s with
	// the cores taken: 12,200 requests at most.
	stop := hogCPU(time.Second + 100*time.Millisecond)
	dir := runPlan(t, s, `
name: overload
seed: 1
interval: 250ms
targets: [{name: fn, url: "sim://aws-go-hello/hello-plain/lambda-url"}]
traffic:
  phases:
    - {name: warm, shape: constant, rate: 200/s, duration: 1s}
    - {name: load, shape: constant, rate: 8000/s, duration: 1500ms}
`)
	stop()
	cold := map[string]bool{}
	trueCold := 0
	for _, inv := range s.Truth() {
		if inv.Cold && inv.Status == 200 {
			cold[inv.RequestID] = true
			trueCold++
		}
	}
	tagged, beyond := 0, 0
	beyondAt := map[int64]int{} // by interval start, ms
	for _, e := range readEvents(t, dir, rundir.EventColdStart) {
		tagged++
		if !cold[e.RequestID] {
			beyond++
			beyondAt[e.AtNanos/250e6*250]++
		}
	}
	run := loadRun(t, dir)
	var ok, suppressed int64
	for _, iv := range run.Targets[0].Intervals {
		ok += iv.Warm + iv.Cold
		suppressed += iv.ColdSuppressed
	}
	share := float64(beyond) / float64(max(ok, 1))
	t.Logf("%d successful responses, %d cold in truth, %d tagged, %d beyond truth (%.2f%%), %d suppressed for the client's delay",
		ok, trueCold, tagged, beyond, 100*share, suppressed)
	if ok < 5000 {
		t.Fatalf("only %d successful responses: the scenario did not run", ok)
	}
	if share > 0.01 {
		t.Errorf("%d of %d responses (%.2f%%) tagged cold beyond the ground truth; want at most 1%%", beyond, ok, 100*share)
		for _, iv := range run.Targets[0].Intervals {
			t.Logf("interval at %4dms: sent %5d, lag p99 %8v, client delay %8v, client-limited %-5v, p50 %8v, p99 %8v, max %8v, cold %3d (%3d beyond truth), suppressed %d",
				iv.StartNanos/1e6, iv.Sent, time.Duration(iv.LagP99Ns), time.Duration(iv.ClientDelayNs), iv.ClientLimited,
				iv.P50, iv.P99, iv.Max, iv.Cold, beyondAt[iv.StartNanos/1e6], iv.ColdSuppressed)
		}
	}
	sum := analyze.Summarize(run)
	if c := sum.Tables[0].Client; c.Intervals == 0 {
		t.Errorf("the run does not say the client was the bottleneck: %+v", c)
	}
}
