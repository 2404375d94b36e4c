package analyze

import (
	"sort"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// Scaling sources: what "instances" means in a Scaling.
const (
	// ScalingInstances: responses named their execution environment
	// (marker headers or payload), so instances are counted.
	ScalingInstances = "instances"
	// ScalingColdStarts: no instance ids; cold starts stand in for new
	// instances, a proxy (an environment evicted and replaced counts
	// twice, and evictions are not seen).
	ScalingColdStarts = "cold_starts"
)

// Scaling is how one target scaled over a run: instances, how fast they
// were added, how long latency took to settle after each jump of the
// offered rate, and throttling. Per-interval figures are in the summary's
// timeline.
type Scaling struct {
	Source string `json:"source"`
	Note   string `json:"note,omitempty"`
	// InstancesSeen is the distinct execution environments that answered
	// (with ScalingColdStarts: the cold starts).
	InstancesSeen int64 `json:"instances_seen"`
	// Peak is the most instances alive at once: alive from the first to
	// the last request each answered, where instance events say so, else
	// the most that answered in one interval. With ScalingColdStarts it is
	// the cold starts of the whole run, an upper bound.
	Peak         int64         `json:"peak"`
	PeakAt       time.Duration `json:"peak_at_ns"`
	PeakInFlight int64         `json:"peak_in_flight"`
	// ScaleOutPeak is the most new instances (or cold starts) per second
	// in one interval; ScaleOutMean the new instances per second over the
	// run.
	ScaleOutPeak   float64       `json:"scale_out_peak_per_s"`
	ScaleOutPeakAt time.Duration `json:"scale_out_peak_at_ns"`
	ScaleOutMean   float64       `json:"scale_out_mean_per_s"`
	Steps          []StepResult  `json:"steps"`
	// Throttled is the requests refused as throttled, in how many
	// intervals, and when the first was intended.
	Throttled          int64          `json:"throttled"`
	ThrottledIntervals int            `json:"throttled_intervals"`
	FirstThrottle      *time.Duration `json:"first_throttle_ns"`
}

// StepResult is the time to scale after one step: from the step until the
// first interval whose p99 (successful requests) is back at or under the
// warm p99 of the intervals before the step. It is measured to interval
// precision, within the step's window: until the next step, or until the
// offered rate falls back below halfway between before and after (a spike
// ending would otherwise pass for recovery).
type StepResult struct {
	At              time.Duration `json:"at_ns"`
	Phase           string        `json:"phase"`
	FromRPS         float64       `json:"from_rps"`
	ToRPS           float64       `json:"to_rps"`
	BaselineWarmP99 time.Duration `json:"baseline_warm_p99_ns"`
	BaselineCount   int64         `json:"baseline_count"`
	Recovered       bool          `json:"recovered"`
	// TimeToScale is nil when latency did not recover within the window
	// (or there was no baseline).
	TimeToScale *time.Duration `json:"time_to_scale_ns"`
	// PeakP99 is the worst interval p99 from the step until recovery (or
	// through the window); NewInstances the instances (or cold starts)
	// added in that time.
	PeakP99      time.Duration `json:"peak_p99_ns"`
	NewInstances int64         `json:"new_instances"`
	Window       time.Duration `json:"window_ns"`
	Note         string        `json:"note,omitempty"`
}

func scaling(r *Run, tr *TargetRun) Scaling {
	var instanceEvents []rundir.Event
	for _, e := range r.Events {
		if e.Type == rundir.EventInstance && e.Target == tr.Info.Name {
			instanceEvents = append(instanceEvents, e)
		}
	}
	s := Scaling{Source: ScalingColdStarts, Steps: []StepResult{}}
	var newTotal, answeredMax int64
	for i := range tr.Intervals {
		iv := &tr.Intervals[i]
		newTotal += iv.NewInstances
		answeredMax = max(answeredMax, iv.Instances)
	}
	if newTotal > 0 || answeredMax > 0 || len(instanceEvents) > 0 {
		s.Source = ScalingInstances
	} else {
		s.Note = "the responses named no execution environment, so cold starts stand in for new instances (a proxy: evictions are not seen)"
	}
	newOf := func(iv *Interval) int64 {
		if s.Source == ScalingInstances {
			return iv.NewInstances
		}
		return iv.Cold
	}

	alive := aliveCounts(tr.Intervals, instanceEvents)
	var span time.Duration
	var cumulative int64
	for i := range tr.Intervals {
		iv := &tr.Intervals[i]
		d := time.Duration(iv.EndNanos - iv.StartNanos)
		span += d
		s.PeakInFlight = max(s.PeakInFlight, iv.PeakInFl)
		n := newOf(iv)
		cumulative += n
		if d > 0 {
			if rate := float64(n) / d.Seconds(); rate > s.ScaleOutPeak {
				s.ScaleOutPeak, s.ScaleOutPeakAt = rate, time.Duration(iv.StartNanos)
			}
		}
		var level int64
		switch {
		case s.Source == ScalingColdStarts:
			level = cumulative
		case alive != nil:
			level = alive[i]
		default:
			level = iv.Instances
		}
		if level > s.Peak {
			s.Peak, s.PeakAt = level, time.Duration(iv.StartNanos)
		}
		if th := iv.Classes[rundir.ClassThrottled]; th > 0 {
			s.Throttled += th
			s.ThrottledIntervals++
			if s.FirstThrottle == nil {
				at := time.Duration(iv.StartNanos)
				s.FirstThrottle = &at
			}
		}
	}
	if s.Source == ScalingInstances && len(instanceEvents) > 0 {
		s.InstancesSeen = int64(len(instanceEvents))
	} else {
		s.InstancesSeen = cumulative
	}
	if span > 0 {
		s.ScaleOutMean = float64(cumulative) / span.Seconds()
	}
	if s.FirstThrottle != nil {
		// The interval says when; the first error sample says exactly.
		for _, e := range r.Events {
			if e.Type == rundir.EventErrorSample && e.Target == tr.Info.Name && e.Class == rundir.ClassThrottled {
				at := time.Duration(e.AtNanos)
				s.FirstThrottle = &at
				break
			}
		}
	}
	for i, st := range tr.Steps {
		end := len(tr.Intervals)
		if i+1 < len(tr.Steps) {
			end = tr.Steps[i+1].Interval
		}
		s.Steps = append(s.Steps, stepResult(r, tr, st, end, newOf))
	}
	return s
}

// aliveCounts is, per interval, the instances alive in it (first seen
// before its end, last seen at or after its start); nil without instance
// events.
func aliveCounts(ivs []Interval, events []rundir.Event) []int64 {
	if len(events) == 0 {
		return nil
	}
	firsts, lasts := make([]int64, len(events)), make([]int64, len(events))
	for i, e := range events {
		firsts[i], lasts[i] = e.FirstNanos, max(e.LastNanos, e.FirstNanos)
	}
	sort.Slice(firsts, func(i, j int) bool { return firsts[i] < firsts[j] })
	sort.Slice(lasts, func(i, j int) bool { return lasts[i] < lasts[j] })
	out := make([]int64, len(ivs))
	for i := range ivs {
		born := sort.Search(len(firsts), func(k int) bool { return firsts[k] >= ivs[i].EndNanos })
		gone := sort.Search(len(lasts), func(k int) bool { return lasts[k] >= ivs[i].StartNanos })
		out[i] = int64(born - gone)
	}
	return out
}

func stepResult(r *Run, tr *TargetRun, st Step, end int, newOf func(*Interval) int64) StepResult {
	res := StepResult{At: st.At, FromRPS: st.FromRPS, ToRPS: st.ToRPS,
		BaselineWarmP99: st.BaselineP99, BaselineCount: st.BaselineCount}
	if st.Phase >= 0 && st.Phase < len(r.Info.Phases) {
		res.Phase = r.Info.Phases[st.Phase].Name
	}
	floor := (st.FromRPS + st.ToRPS) / 2
	last := st.Interval
	for j := st.Interval; j < end; j++ {
		iv := &tr.Intervals[j]
		if span := time.Duration(iv.EndNanos - iv.StartNanos); j > st.Interval && span > 0 && float64(iv.Offered)/span.Seconds() < floor {
			break
		}
		last = j
		if st.BaselineCount > 0 && iv.Warm+iv.Cold > 0 && iv.P99 <= st.BaselineP99 {
			res.Recovered = true
			d := time.Duration(iv.StartNanos) - st.At
			res.TimeToScale = &d
			break
		}
		res.PeakP99 = max(res.PeakP99, iv.P99)
		res.NewInstances += newOf(iv)
	}
	if last < len(tr.Intervals) {
		res.Window = time.Duration(tr.Intervals[last].EndNanos) - st.At
	}
	switch {
	case st.BaselineCount == 0:
		res.Note = "no warm requests before the step: no baseline to recover to"
	case !res.Recovered:
		res.Note = "p99 stayed above the baseline for the whole window"
	}
	return res
}
