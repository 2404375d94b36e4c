package analyze

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/attack"
)

// Summary is what a run means, per target and phase.
type Summary struct {
	Run    *Run
	Tables []TargetSummary
}

// TargetSummary holds one target's rows: one per phase, then the whole run.
type TargetSummary struct {
	Target attack.TargetInfo
	Phases []Row
	Total  Row
}

// Row is the statistics of one target over one span of the timeline.
// Latency percentiles are over successful requests (warm and cold); errors
// are counted, not mixed in, so that fast rejections (a throttling 429)
// cannot make a target look faster.
type Row struct {
	Phase    string
	Duration time.Duration // the span actually run (shorter if interrupted)
	attack.IntervalCounts
	OfferedRate              float64 // requests per second the schedule asked for
	AchievedRate             float64 // requests per second actually sent
	P50, P90, P99, P999, Max time.Duration
	LagP99, LagMax           time.Duration
}

// Summarize computes the per-target, per-phase summary of a run.
func Summarize(r *Run) *Summary {
	s := &Summary{Run: r}
	for _, tr := range r.Targets {
		ts := TargetSummary{Target: tr.Info}
		spans := make([]time.Duration, len(r.Info.Phases))
		for _, iv := range tr.Intervals {
			spans[iv.Phase] += time.Duration(iv.EndNanos - iv.StartNanos)
		}
		okAll, lagAll := attack.NewHistogram(), attack.NewHistogram()
		var total attack.IntervalCounts
		var totalSpan time.Duration
		for p, pr := range tr.Phases {
			ok := attack.NewHistogram()
			ok.Merge(pr.Latency(attack.OutcomeWarm))
			ok.Merge(pr.Latency(attack.OutcomeCold))
			lag := pr.Lag()
			ts.Phases = append(ts.Phases, newRow(r.Info.Phases[p].Name, spans[p], pr.Counts, ok, lag))
			okAll.Merge(ok)
			lagAll.Merge(lag)
			addCounts(&total, &pr.Counts)
			totalSpan += spans[p]
		}
		ts.Total = newRow("all", totalSpan, total, okAll, lagAll)
		s.Tables = append(s.Tables, ts)
	}
	return s
}

func newRow(phase string, span time.Duration, c attack.IntervalCounts, ok, lag *hdr.Histogram) Row {
	row := Row{Phase: phase, Duration: span, IntervalCounts: c}
	if secs := span.Seconds(); secs > 0 {
		row.OfferedRate = float64(c.Offered) / secs
		row.AchievedRate = float64(c.Sent) / secs
	}
	if ok.TotalCount() > 0 {
		row.P50 = time.Duration(ok.ValueAtQuantile(50))
		row.P90 = time.Duration(ok.ValueAtQuantile(90))
		row.P99 = time.Duration(ok.ValueAtQuantile(99))
		row.P999 = time.Duration(ok.ValueAtQuantile(99.9))
		row.Max = time.Duration(ok.Max())
	}
	if lag.TotalCount() > 0 {
		row.LagP99 = time.Duration(lag.ValueAtQuantile(99))
		row.LagMax = time.Duration(lag.Max())
	}
	return row
}
