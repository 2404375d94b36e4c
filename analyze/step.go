package analyze

import (
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// Step is a jump of the offered rate: a stair of a steps phase, the peak of
// a spike, or a phase that starts well above the one before. Time to scale
// is measured from it.
type Step struct {
	// Interval indexes TargetRun.Intervals: the first interval of the rise
	// (a rise spread over consecutive intervals is one step).
	Interval int
	At       time.Duration // the rise's start, from the run start
	Phase    int
	FromRPS  float64 // offered rate of the interval before the rise
	ToRPS    float64 // offered rate of the rise's last interval
	// BaselineP99 is the warm p99 over the last intervals with warm
	// requests before the step (up to 10 of them); BaselineCount is how
	// many requests it is over, zero when there were none.
	BaselineP99   time.Duration
	BaselineCount int64
}

// A rise counts as a step when the offered rate grows by at least
// stepRatio and by at least one request per interval, from one interval to
// the next, inside a steps or spike phase or across a phase boundary.
// Ramps and sine waves rise gradually by design and are not steps.
const stepRatio = 1.2

// detectSteps finds the steps in one target's intervals.
func detectSteps(phases []rundir.PhaseInfo, ivs []Interval) []Step {
	rate := func(iv *Interval) float64 {
		if span := time.Duration(iv.EndNanos - iv.StartNanos); span > 0 {
			return float64(iv.Offered) / span.Seconds()
		}
		return 0
	}
	rises := func(i int) bool {
		prev, cur := &ivs[i-1], &ivs[i]
		boundary := cur.Phase != prev.Phase
		if !boundary && cur.Phase >= 0 && cur.Phase < len(phases) {
			switch phases[cur.Phase].Shape {
			case "steps", "spike":
			default:
				return false
			}
		} else if !boundary {
			return false
		}
		before, after := rate(prev), rate(cur)
		span := time.Duration(cur.EndNanos - cur.StartNanos).Seconds()
		return after >= stepRatio*before && (after-before)*span >= 1
	}
	var steps []Step
	for i := 1; i < len(ivs); i++ {
		if !rises(i) {
			continue
		}
		s := Step{Interval: i, At: time.Duration(ivs[i].StartNanos), Phase: ivs[i].Phase, FromRPS: rate(&ivs[i-1])}
		for i+1 < len(ivs) && rises(i+1) {
			i++
		}
		s.ToRPS = rate(&ivs[i])
		steps = append(steps, s)
	}
	return steps
}

// setBaseline sets the step's warm p99 from the warm histograms of the
// intervals before it.
func (s *Step) setBaseline(recent []*rundir.Sparse) {
	if len(recent) == 0 {
		return
	}
	merged := recent[0]
	for _, h := range recent[1:] {
		merged = merged.Add(h)
	}
	s.BaselineCount = merged.Total
	s.BaselineP99 = merged.Quantiles(99)[0]
}
