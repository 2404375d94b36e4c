package analyze

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/internal/rundir"
)

// Summary is what a run means, per target and phase.
type Summary struct {
	Run    *Run
	Tables []TargetSummary
	// Detect is the scenario's cold_start.detect ("auto" when unset).
	Detect string
	// Pricing is the price table the costs were computed with.
	Pricing cost.TableRef
	// Warnings are what loading skipped (Run.Warnings), then what the
	// analysis found that casts doubt on the figures: a target whose
	// client was the bottleneck (TargetSummary.Client).
	Warnings []string
}

// TargetSummary holds one target's rows (one per phase, then the whole
// run) and the analyses of the whole run.
type TargetSummary struct {
	Target  rundir.TargetInfo
	Phases  []Row
	Total   Row
	Cold    ColdStarts
	Scaling Scaling
	Cost    TargetCost
	// Projection is the month at Options.ProjectRPS, by the summary's
	// prices.
	Projection MonthlyProjection
	// Client says where the load generator itself was the bottleneck.
	Client ClientBound
	// Forced is the target's forced cold starts, apart from the traffic;
	// nil when it had none.
	Forced *ForcedSummary
}

// Row is the statistics of one target over one span of the timeline.
// Latency percentiles are over successful requests (warm and cold); errors
// are counted, not mixed in, so that fast rejections (a throttling 429)
// cannot make a target look faster.
type Row struct {
	Phase    string
	Duration time.Duration // the span actually run (shorter if interrupted)
	rundir.IntervalCounts
	OfferedRate              float64 // requests per second the schedule asked for
	AchievedRate             float64 // requests per second actually sent
	ErrorRate                float64 // share of the completed requests that failed on the target's side (client_error left out of both); 0 when none completed
	P50, P90, P99, P999, Max time.Duration
	LagP99, LagMax           time.Duration

	// Latency is the span's latency by outcome, with confidence intervals;
	// Lag its schedule lag.
	Latency OutcomeLatency
	Lag     LagStats
	// ColdPenalty is cold p50 − warm p50; nil without both.
	ColdPenalty *Penalty
	// Timing is where the span's time went (DNS, connect, TLS per
	// connection; TTFB, transfer per request; connections); nil when the
	// target's timing was not recorded (TargetRun.HasTiming).
	Timing *Timing
}

// Options change how a run is summarised.
type Options struct {
	// Pricing prices the targets; nil means the built-in table.
	Pricing *cost.Table
	// ProjectRPS is the rate, requests per second, of every target's
	// monthly projection; 0 means the highest rate the run offered in
	// one interval, to two significant digits.
	ProjectRPS float64
}

// Summarize computes the summary of a run with the built-in prices.
func Summarize(r *Run) *Summary { return SummarizeWith(r, Options{}) }

// SummarizeRuns summarises runs that are read side by side, each as
// SummarizeWith does, with every target projected at one rate
// (o.ProjectRPS, or the highest any of the runs offered) so that their
// monthly bills compare.
func SummarizeRuns(runs []*Run, o Options) []*Summary {
	if o.ProjectRPS <= 0 {
		o.ProjectRPS = peakOfferedRPS(runs...)
	}
	out := make([]*Summary, len(runs))
	for i, r := range runs {
		out[i] = SummarizeWith(r, o)
	}
	return out
}

// SummarizeWith computes the summary of a run: per target and phase the
// statistics, then per target the cold-start, scaling and cost analyses
// and the monthly projection.
func SummarizeWith(r *Run, o Options) *Summary {
	table := o.Pricing
	if table == nil {
		table = cost.Default()
	}
	s := &Summary{Run: r, Detect: detectMode(r.Info.Scenario), Pricing: table.Ref()}
	for _, tr := range r.Targets {
		ts := TargetSummary{Target: tr.Info}
		spans := make([]time.Duration, len(r.Info.Phases))
		for _, iv := range tr.Intervals {
			if iv.Phase >= 0 && iv.Phase < len(spans) {
				spans[iv.Phase] += time.Duration(iv.EndNanos - iv.StartNanos)
			}
		}
		var all [len(rundir.Outcomes)]*rundir.Hist
		for o := range all {
			all[o] = rundir.NewHist()
		}
		lagAll := rundir.NewHist()
		timed := tr.HasTiming()
		var timingAll [len(rundir.TimingPhases)]*rundir.Hist
		var total rundir.IntervalCounts
		var totalSpan time.Duration
		for p, pr := range tr.Phases {
			for o := range all {
				all[o].Add(pr.latency[o])
			}
			row := newRow(r.Info.Phases[p].Name, spans[p], pr.Counts, pr.latency, pr.lag)
			if timed {
				row.Timing = timingOf(row.Phase, &pr.timing, pr.Counts.Conns, pr.Counts.Sent)
				for i, h := range pr.timing {
					if h != nil && timingAll[i] == nil {
						timingAll[i] = rundir.NewHist()
					}
					timingAll[i].Add(h)
				}
			}
			ts.Phases = append(ts.Phases, row)
			lagAll.Add(pr.lag)
			(&total).Add(&pr.Counts)
			totalSpan += spans[p]
		}
		ts.Total = newRow("all", totalSpan, total, all, lagAll)
		if timed {
			ts.Total.Timing = timingOf("all", &timingAll, total.Conns, total.Sent)
		}
		ts.Forced = forcedSummary(r, tr, ts.Total, distOf(all[rundir.IndexWarm]))
		ts.Cold = coldStarts(r, tr, &ts, s.Detect)
		ts.Client = clientOf(tr)
		ts.Scaling = scaling(r, tr)
		ts.Cost = priceTarget(table, r, tr, ts.Total, cost.Options{})
		s.Tables = append(s.Tables, ts)
	}
	rps := o.ProjectRPS
	if rps <= 0 {
		rps = peakOfferedRPS(r)
	}
	s.project(table, rps)
	s.Warnings = append(append([]string{}, r.Warnings...), insecureWarnings(r.Info.Scenario)...)
	if r.Merge != nil {
		s.Warnings = append(s.Warnings, r.Merge.Warnings...)
	}
	for _, ts := range s.Tables {
		s.Warnings = append(s.Warnings, ts.Client.warnings(ts.Target.Name)...)
	}
	return s
}

// scenarioFields is what the analysis reads from the resolved scenario in
// run.json.
type scenarioFields struct {
	Name      string `json:"name"`
	ColdStart struct {
		Detect string `json:"detect"`
	} `json:"cold_start"`
	Targets []struct {
		Name string `json:"name"`
		TLS  struct {
			Insecure bool `json:"insecure"`
		} `json:"tls"`
	} `json:"targets"`
}

// insecureWarnings warn of the targets whose certificates were not
// verified (tls: {insecure: true}).
func insecureWarnings(scenario json.RawMessage) []string {
	var out []string
	for _, t := range scenarioField(scenario).Targets {
		if t.TLS.Insecure {
			out = append(out, fmt.Sprintf("target %s: TLS certificate verification was off (tls: {insecure: true}): the answers may not have come from the target; trust its CA with tls: {ca_file: …} instead", t.Name))
		}
	}
	return out
}

func scenarioField(raw json.RawMessage) scenarioFields {
	var f scenarioFields
	_ = json.Unmarshal(raw, &f)
	return f
}

// detectMode reads cold_start.detect from the resolved scenario.
func detectMode(scenario json.RawMessage) string {
	if d := scenarioField(scenario).ColdStart.Detect; d != "" {
		return d
	}
	return "auto"
}

func newRow(phase string, span time.Duration, c rundir.IntervalCounts, hs [len(rundir.Outcomes)]*rundir.Hist, lag *rundir.Hist) Row {
	row := Row{Phase: phase, Duration: span, IntervalCounts: c}
	if secs := span.Seconds(); secs > 0 {
		row.OfferedRate = float64(c.Offered) / secs
		row.AchievedRate = float64(c.Sent) / secs
	}
	row.ErrorRate = ratio(c.TargetErrors())
	warm, cold := distOf(hs[rundir.IndexWarm]), distOf(hs[rundir.IndexCold])
	row.Latency = OutcomeLatency{OK: latencyStats(warm.plus(cold)), Warm: latencyStats(warm), Cold: latencyStats(cold),
		Error: latencyStats(distOf(hs[rundir.IndexError]))}
	if l := row.Latency.OK; l != nil {
		row.P50, row.P90, row.P99, row.P999, row.Max = l.P50.Value, l.P90.Value, l.P99.Value, l.P999.Value, l.Max
	}
	row.Lag = lagStats(distOf(lag))
	row.LagP99, row.LagMax = row.Lag.P99, row.Lag.Max
	row.ColdPenalty = penaltyOf(cold, warm)
	return row
}
