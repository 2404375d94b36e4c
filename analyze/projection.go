package analyze

import (
	"strconv"

	"github.com/fnbench/fnbench/analyze/cost"
)

// MonthlyProjection is one target's measured usage scaled to a month at
// one request rate, free tier applied and volume tiers walked
// (ProjectTarget): the "what would this cost in production" beside the
// run's own cost. It is not in the JSON summary, which holds what the run
// measured: the rate is the reader's question (`fnbench report --rps`),
// and `fnbench cost RUN --rps` answers it as JSON.
type MonthlyProjection struct {
	RPS     float64       // the projected mean rate, requests per second; 0: not projected
	Monthly *cost.Monthly // nil when the target could not be projected; Reason says why
	Reason  string
}

// project fills every target's projection at rps with t's prices. A
// target that could not be priced is not projected either.
func (s *Summary) project(t *cost.Table, rps float64) {
	if rps <= 0 {
		return
	}
	for i := range s.Tables {
		ts := &s.Tables[i]
		ts.Projection = MonthlyProjection{RPS: rps}
		if !ts.Cost.Priced {
			ts.Projection.Reason = ts.Cost.Reason
			continue
		}
		m, err := ProjectTarget(t, s, i, cost.Projection{RPS: rps})
		if err != nil {
			ts.Projection.Reason = err.Error()
			continue
		}
		ts.Projection.Monthly = m
	}
}

// peakOfferedRPS is the highest rate, requests per second, that any target
// of the runs was offered in one interval, to two significant digits
// (117.3 → 120): the default rate of the monthly projection, a round
// number near the busiest moment the runs measured.
func peakOfferedRPS(runs ...*Run) float64 {
	var peak float64
	for _, r := range runs {
		for _, tr := range r.Targets {
			for _, iv := range tr.Intervals {
				if span := iv.EndNanos - iv.StartNanos; span > 0 {
					peak = max(peak, float64(iv.Offered)*1e9/float64(span))
				}
			}
		}
	}
	if peak <= 0 {
		return 0
	}
	peak, _ = strconv.ParseFloat(strconv.FormatFloat(peak, 'g', 2, 64), 64)
	return peak
}
