package analyze

import (
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// timeline builds one-second intervals from per-phase offered counts.
func timeline(phases [][]int64) ([]rundir.PhaseInfo, []Interval) {
	var infos []rundir.PhaseInfo
	var ivs []Interval
	shapes := []string{"constant", "steps", "ramp", "pause", "constant", "spike"}
	t := int64(0)
	for p, counts := range phases {
		info := rundir.PhaseInfo{Index: p, Name: shapes[p], Shape: shapes[p], StartNanos: t}
		for _, n := range counts {
			ivs = append(ivs, Interval{IntervalCounts: rundir.IntervalCounts{Seq: len(ivs), Phase: p,
				StartNanos: t, EndNanos: t + int64(time.Second), Offered: n, Sent: n}})
			t += int64(time.Second)
		}
		info.EndNanos = t
		infos = append(infos, info)
	}
	return infos, ivs
}

// Steps are stairs, spikes and phases that start higher; ramps are not,
// and a rise spread over two intervals is one step.
func TestDetectSteps(t *testing.T) {
	phases, ivs := timeline([][]int64{
		{10, 10, 10},         // constant
		{10, 25, 40, 40, 70}, // steps: a stair cut across two intervals, then one
		{70, 80, 95, 110},    // ramp: rises gradually, not a step
		{0, 0},               // pause
		{50, 50},             // constant after a pause: a step at the boundary
		{20, 200, 200, 20},   // spike
	})
	want := []struct {
		at       time.Duration
		from, to float64
	}{
		{4 * time.Second, 10, 40},   // 10 → 25 → 40: one step
		{7 * time.Second, 40, 70},   // the next stair
		{14 * time.Second, 0, 50},   // after the pause
		{17 * time.Second, 20, 200}, // the spike's peak (its start, 50 → 20, falls)
	}
	steps := detectSteps(phases, ivs)
	if len(steps) != len(want) {
		t.Fatalf("%d steps %+v, want %d", len(steps), steps, len(want))
	}
	for i, s := range steps {
		if s.At != want[i].at || s.FromRPS != want[i].from || s.ToRPS != want[i].to {
			t.Errorf("step %d at %v from %v to %v, want at %v from %v to %v", i, s.At, s.FromRPS, s.ToRPS, want[i].at, want[i].from, want[i].to)
		}
	}
}

// Time to scale runs from the step to the first interval whose p99 is back
// under the warm p99 before it; a spike that ends first does not count as
// a recovery.
func TestStepRecovery(t *testing.T) {
	phases, ivs := timeline([][]int64{{10, 10}, {10, 100, 100, 100, 100, 10, 10}})
	p99 := []time.Duration{0, 0, 0, 80, 40, 9, 5, 5, 5}
	for i := range ivs {
		ivs[i].Warm, ivs[i].P99 = ivs[i].Offered, p99[i]*time.Millisecond
		ivs[i].NewInstances = map[bool]int64{true: 3}[i == 3 || i == 4]
	}
	r := &Run{Info: rundir.RunInfo{Phases: phases}}
	step := Step{Interval: 3, At: 3 * time.Second, Phase: 1, FromRPS: 10, ToRPS: 100, BaselineP99: 10 * time.Millisecond, BaselineCount: 30}
	tr := &TargetRun{Intervals: ivs, Steps: []Step{step}}
	res := stepResult(r, tr, step, len(ivs), func(iv *Interval) int64 { return iv.NewInstances })
	if !res.Recovered || res.TimeToScale == nil || *res.TimeToScale != 2*time.Second || res.PeakP99 != 80*time.Millisecond || res.NewInstances != 6 {
		t.Errorf("result %+v, want recovered after 2s, peak 80ms, 6 new instances", res)
	}
	// Latency stays high until the spike ends: not a recovery.
	for i := 5; i < len(ivs); i++ {
		ivs[i].P99 = 50 * time.Millisecond
	}
	ivs[7].P99, ivs[8].P99 = time.Millisecond, time.Millisecond
	res = stepResult(r, tr, step, len(ivs), func(iv *Interval) int64 { return iv.NewInstances })
	if res.Recovered || res.TimeToScale != nil || res.Window != 4*time.Second {
		t.Errorf("result %+v, want no recovery within the 4s the rate stayed up", res)
	}
	// No warm requests before: no baseline, no answer.
	step.BaselineCount, step.BaselineP99 = 0, 0
	if res := stepResult(r, tr, step, len(ivs), func(*Interval) int64 { return 0 }); res.Recovered || res.Note == "" {
		t.Errorf("result %+v, want no recovery and a note", res)
	}
}

// Instances are alive from the first to the last request they answered.
func TestAliveCounts(t *testing.T) {
	_, ivs := timeline([][]int64{{1, 1, 1, 1}})
	events := []rundir.Event{
		{FirstNanos: 0, LastNanos: int64(3500 * time.Millisecond)},
		{FirstNanos: int64(1200 * time.Millisecond), LastNanos: int64(1300 * time.Millisecond)},
		{FirstNanos: int64(2 * time.Second), LastNanos: int64(2 * time.Second)},
	}
	got := aliveCounts(ivs, events)
	want := []int64{1, 2, 2, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("alive %v, want %v", got, want)
		}
	}
	if aliveCounts(ivs, nil) != nil {
		t.Error("alive counts without instance events")
	}
}
