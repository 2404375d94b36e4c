package charts

import (
	"time"

	"gonum.org/v1/plot/plotter"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

// Series is one target of one run, as every chart draws it. The i-th
// series of a slice has SeriesColor(i) in every chart.
type Series struct {
	Name    string           // the label charts show: the target, or run and target
	Summary *analyze.Summary // the run it belongs to
	Target  int              // index into Summary.Tables and Summary.Run.Targets
}

func (s Series) run() *analyze.Run             { return s.Summary.Run }
func (s Series) target() *analyze.TargetRun    { return s.Summary.Run.Targets[s.Target] }
func (s Series) intervals() []analyze.Interval { return s.target().Intervals }

// Table is the target's summary: its rows, cold starts, scaling and cost.
func (s Series) Table() *analyze.TargetSummary { return &s.Summary.Tables[s.Target] }

// seconds is an offset from the run start in seconds, for time axes.
func seconds(ns int64) float64 { return float64(ns) / 1e9 }

// ms is a duration in milliseconds, for latency axes.
func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// mid is the middle of an interval, where its figures are drawn.
func mid(iv *analyze.Interval) float64 { return seconds((iv.StartNanos + iv.EndNanos) / 2) }

// perSecond turns an interval's count into a rate.
func perSecond(n int64, iv *analyze.Interval) float64 {
	if span := iv.EndNanos - iv.StartNanos; span > 0 {
		return float64(n) / seconds(span)
	}
	return 0
}

// timeline collects one figure per interval.
func (s Series) timeline(f func(iv *analyze.Interval) float64) plotter.XYs {
	ivs := s.intervals()
	xys := make(plotter.XYs, len(ivs))
	for i := range ivs {
		xys[i].X, xys[i].Y = mid(&ivs[i]), f(&ivs[i])
	}
	return xys
}

// latency merges the target's latency histograms of the given outcomes
// over every phase.
func (s Series) latency(outcomes ...string) analyze.Dist {
	h := rundir.NewHistogram()
	for _, pr := range s.target().Phases {
		for _, o := range outcomes {
			h.Merge(pr.Latency(o))
		}
	}
	return analyze.DistOf(h)
}

// initDurations are the init (or restore) durations the target's cold
// starts reported, in event order.
func (s Series) initDurations() []time.Duration {
	name := s.target().Info.Name
	var out []time.Duration
	for _, e := range s.run().Events {
		if e.Type == rundir.EventColdStart && e.Target == name && e.InitNanos > 0 {
			out = append(out, time.Duration(e.InitNanos))
		}
	}
	return out
}

// sameTimeline reports whether every series comes from one run, so one
// offered-rate line stands for all.
func sameTimeline(series []Series) bool {
	for _, s := range series[1:] {
		if s.Summary != series[0].Summary {
			return false
		}
	}
	return true
}
