package analyze

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/units"
	"github.com/fnbench/fnbench/scenarios"
)

// AbortWatch follows a run as it is recorded (it is an attack.Watcher) and
// asks the attack to stop as soon as a threshold marked abort is certainly
// lost, whatever the rest of the run brings:
//
//   - a rate capped from above (error_rate < 1%) once its failures exceed
//     the limit's share of every request the span will offer; achieved
//     (capped from below) once more have gone unsent than the limit allows;
//   - a percentile capped from above (p99 < 500ms) once more requests were
//     slower than the limit than the percentile allows of every request the
//     span will offer;
//   - any threshold with a window, once a whole window has failed with
//     enough samples to tell.
//
// Thresholds that can be lost only at the end (a floor on a percentile, a
// cold-start rate, a cost, scale_time) never abort.
type AbortWatch struct {
	thresholds []scenarios.Threshold
	mu         sync.Mutex
	info       *rundir.RunInfo
	every      time.Duration
	state      map[[2]int]*abortState // by (threshold, target)
}

// abortState is one threshold's tally on one target.
type abortState struct {
	expected  float64 // requests the span will offer
	num, den  int64   // rate: failures and requests so far
	above     int64   // percentile: successes slower than the limit
	window    []windowSlot
	windowLen int
}

type windowSlot struct {
	c rundir.IntervalCounts
	h *hdr.Histogram
}

// NewAbortWatch watches the thresholds marked abort; nil when there are
// none.
func NewAbortWatch(ths []scenarios.Threshold) *AbortWatch {
	var keep []scenarios.Threshold
	for _, th := range ths {
		if th.Abort {
			keep = append(keep, th)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return &AbortWatch{thresholds: keep, state: map[[2]int]*abortState{}}
}

// Begin learns the run's targets and phases.
func (w *AbortWatch) Begin(info *rundir.RunInfo) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.info, w.every = info, time.Duration(info.IntervalNanos)
}

// Interval tallies one target's interval and returns why the run must
// stop, or "".
func (w *AbortWatch) Interval(target int, c *rundir.IntervalCounts, latency *[len(rundir.Outcomes)]*hdr.Histogram) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.info == nil || target >= len(w.info.Targets) {
		return ""
	}
	name := w.info.Targets[target].Name
	for k, th := range w.thresholds {
		if th.Target != "" && th.Target != name || !w.inScope(th, c.Phase) {
			continue
		}
		st := w.stateOf(k, target, th)
		if reason := st.add(th, c, latency); reason != "" {
			return fmt.Sprintf("threshold %q certainly lost on target %s: %s", th.Expr, name, reason)
		}
	}
	return ""
}

func (w *AbortWatch) inScope(th scenarios.Threshold, phase int) bool {
	if phase < 0 || phase >= len(w.info.Phases) {
		return false
	}
	p := w.info.Phases[phase]
	if p.Name == rundir.ForcedPhase {
		return false // forced cold starts are samples, not traffic
	}
	return th.Phase == "" || p.Name == th.Phase
}

func (w *AbortWatch) stateOf(k, target int, th scenarios.Threshold) *abortState {
	key := [2]int{k, target}
	if st := w.state[key]; st != nil {
		return st
	}
	st := &abortState{}
	for _, p := range w.info.Phases {
		if p.Name != rundir.ForcedPhase && (th.Phase == "" || p.Name == th.Phase) {
			st.expected += p.ExpectedReq / float64(max(w.info.Shard.Count, 1))
		}
	}
	if th.Window > 0 && w.every > 0 {
		st.windowLen = max(1, int(math.Ceil(float64(th.Window)/float64(w.every))))
	}
	w.state[key] = st
	return st
}

// add tallies one interval and says why the threshold is lost, if it is.
func (st *abortState) add(th scenarios.Threshold, c *rundir.IntervalCounts, latency *[len(rundir.Outcomes)]*hdr.Histogram) string {
	if st.windowLen > 0 {
		return st.addWindow(th, c, latency)
	}
	switch th.Metric.Kind {
	case scenarios.KindRate:
		return st.addRate(th, c)
	case scenarios.KindLatency:
		if th.Metric.Percentile > 0 && th.Metric.Group != "init" && th.Metric.Group != "lag" && th.Op.UpperBound() {
			return st.addAbove(th, c, latency)
		}
	}
	return ""
}

// addRate: the final rate is at least failures so far over every request
// the span will see.
func (st *abortState) addRate(th scenarios.Threshold, c *rundir.IntervalCounts) string {
	switch th.Metric.Name {
	case "error_rate":
		errs, _ := c.TargetErrors()
		st.num += errs
	case "throttle_rate":
		st.num += c.Classes[rundir.ClassThrottled]
	case "not_sent_rate", "achieved":
		st.num += c.NotSent
	default:
		return ""
	}
	if st.expected <= 0 {
		return ""
	}
	floor := float64(st.num) / st.expected // the least the final rate can be
	switch {
	case th.Metric.Name == "achieved" && !th.Op.UpperBound():
		if best := 1 - floor; !th.Op.Holds(best, th.Value) {
			return fmt.Sprintf("%d requests not sent already; at best %.2f%% of the %.0f offered can be", st.num, 100*best, st.expected)
		}
	case th.Op.UpperBound() && th.Metric.Name != "achieved":
		if !th.Op.Holds(floor, th.Value) {
			return fmt.Sprintf("%d already, at least %.2f%% of the %.0f requests the span offers", st.num, 100*floor, st.expected)
		}
	}
	return ""
}

// addAbove: more successes slower than the limit than (100−p)% of every
// request the span offers puts the p-th percentile above it for good.
func (st *abortState) addAbove(th scenarios.Threshold, c *rundir.IntervalCounts, latency *[len(rundir.Outcomes)]*hdr.Histogram) string {
	limit := int64(th.Value)
	for o, h := range latency {
		if h == nil || !inGroup(th.Metric.Group, o) {
			continue
		}
		st.above += countAbove(h, limit, th.Op == scenarios.OpLess)
	}
	allowed := (1 - th.Metric.Percentile/100) * st.expected
	if th.Metric.Percentile >= 100 {
		allowed = 0
	}
	if st.expected > 0 && float64(st.above) > allowed {
		return fmt.Sprintf("%d requests already took %s or more, more than the %.0f that %s allows of %.0f", st.above, units.Latency(time.Duration(limit)), allowed, th.Metric.Name, st.expected)
	}
	return ""
}

// inGroup reports whether outcome o (an index of rundir.Outcomes) belongs
// to a latency metric's population.
func inGroup(group string, o int) bool { return slices.Contains(outcomesOf(group), o) }

// countAbove counts the values of h at or above limit (strictly above
// when the comparison allows the limit itself).
func countAbove(h *hdr.Histogram, limit int64, atOrAbove bool) int64 {
	if h.TotalCount() == 0 || h.Max() < limit {
		return 0
	}
	var n int64
	for _, b := range h.Distribution() {
		if b.Count > 0 && (b.From > limit || atOrAbove && b.From == limit) {
			n += b.Count
		}
	}
	return n
}

// addWindow judges the window that ends with this interval, once it is
// whole.
func (st *abortState) addWindow(th scenarios.Threshold, c *rundir.IntervalCounts, latency *[len(rundir.Outcomes)]*hdr.Histogram) string {
	slot := windowSlot{c: *c}
	if th.Metric.Kind == scenarios.KindLatency && th.Metric.Group != "init" && th.Metric.Group != "lag" && th.Metric.Name != "scale_time" {
		slot.h = rundir.NewHistogram()
		for o, h := range latency {
			if h != nil && inGroup(th.Metric.Group, o) {
				slot.h.Merge(h)
			}
		}
	} else if th.Metric.Kind != scenarios.KindRate {
		return ""
	}
	st.window = append(st.window, slot)
	if len(st.window) > st.windowLen {
		st.window = st.window[1:]
	}
	if len(st.window) < st.windowLen {
		return ""
	}
	var m measure
	if th.Metric.Kind == scenarios.KindRate {
		var sum rundir.IntervalCounts
		for _, s := range st.window {
			sum.Add(&s.c)
		}
		m = rateMeasure(th.Metric.Name, &sum)
	} else {
		h := rundir.NewHistogram()
		for _, s := range st.window {
			h.Merge(s.h)
		}
		m = quantileMeasure(th.Metric, DistOf(h))
	}
	if m.ok && !th.Op.Holds(m.value, th.Value) {
		return fmt.Sprintf("a %s window ending at %s has %s", th.Window, units.Latency(time.Duration(c.EndNanos)), formatValue(th.Metric.Kind, m.value))
	}
	return ""
}

// formatValue writes a metric's value in its unit, for people.
func formatValue(k scenarios.MetricKind, v float64) string {
	switch k {
	case scenarios.KindRate:
		return fmt.Sprintf("%.2f%%", 100*v)
	case scenarios.KindCost:
		return fmt.Sprintf("$%.4f", v)
	}
	return units.Latency(time.Duration(v))
}
