package analyze

import (
	"time"

	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/internal/rundir"
)

// SchemaVersion is the version of the JSON summary (`fnbench report
// --format json`). It changes only when a field is removed, renamed or
// changes meaning; new fields may appear within a version, so readers must
// ignore fields they do not know. docs/summary-schema.md describes every
// field.
const SchemaVersion = 1

// SummaryJSON is the JSON summary of one or more runs: the contract that
// reports and CI gates read. Durations are integer nanoseconds (fields
// ending in _ns), rates are per second (_rps, _per_s), shares are
// fractions in [0, 1] (rate), money is an exact decimal number of USD
// (_usd).
type SummaryJSON struct {
	SchemaVersion int `json:"schema_version"`
	// Confidence says how every confidence interval was computed.
	Confidence ConfidenceJSON `json:"confidence"`
	Runs       []RunJSON      `json:"runs"`
}

// ConfidenceJSON names the confidence level and method of the intervals.
type ConfidenceJSON struct {
	Level  float64 `json:"level"`
	Method string  `json:"method"`
}

// RunJSON is one run.
type RunJSON struct {
	Label          string          `json:"label,omitempty"` // the run's name in the report (RUN=label; default the directory's name)
	Dir            string          `json:"dir"`             // the run directory as given
	Scenario       string          `json:"scenario"`        // the scenario's name
	ScenarioSHA256 string          `json:"scenario_sha256"`
	Tool           rundir.ToolInfo `json:"tool"` // the fnbench that measured the run
	// Status is complete, interrupted or failed; Killed is true when the
	// process was killed (status interrupted, data up to its last whole
	// interval).
	Status       string           `json:"status"`
	StatusReason string           `json:"status_reason,omitempty"`
	Killed       bool             `json:"killed"`
	StartTime    time.Time        `json:"start_time"`
	EndTime      time.Time        `json:"end_time,omitzero"`
	Seed         int64            `json:"seed"`
	Arrivals     string           `json:"arrivals"`
	Interval     time.Duration    `json:"interval_ns"`
	Shard        rundir.ShardInfo `json:"shard"`
	// Merge is the shards a merged run came from (merge.json), each with
	// how it kept up, and their start skew; absent from other runs.
	Merge *MergeInfo `json:"merge,omitempty"`
	// Detection is the scenario's cold_start.detect.
	Detection string             `json:"cold_start_detection"`
	Phases    []rundir.PhaseInfo `json:"phases"`
	// Warnings are what loading skipped (a torn last line, a missing
	// file), then what casts doubt on the figures: a target whose client
	// was the bottleneck (its `client`).
	Warnings []string `json:"warnings"`
	// Pricing names the price table the costs used.
	Pricing cost.TableRef `json:"pricing"`
	Targets []TargetJSON  `json:"targets"`
}

// TargetJSON is one target of a run: what it is, its statistics per phase
// and over the run, its cold starts, scaling and cost, and its timeline.
type TargetJSON struct {
	Name      string               `json:"name"`
	Kind      string               `json:"kind"`
	Provider  string               `json:"provider"`
	Plan      string               `json:"plan,omitempty"`
	Region    string               `json:"region,omitempty"`
	URL       string               `json:"url"` // redacted
	Method    string               `json:"method"`
	Simulated bool                 `json:"simulated"`
	Function  string               `json:"function,omitempty"`
	Meta      *rundir.FunctionMeta `json:"meta,omitempty"`
	// Phases has one entry per run phase, in order; Total is the run.
	Phases     []StatsJSON `json:"phases"`
	Total      StatsJSON   `json:"total"`
	ColdStarts ColdStarts  `json:"cold_starts"`
	Scaling    Scaling     `json:"scaling"`
	Cost       TargetCost  `json:"cost"`
	// Client says where the load generator itself was the bottleneck;
	// nil where the run neither measured the client's delay nor saw it
	// fall behind.
	Client *ClientBound `json:"client,omitempty"`
	// Forced is the target's forced cold starts (cold_start.force), kept
	// out of phases, total, timeline and cost; absent without them.
	Forced *ForcedSummary `json:"forced,omitempty"`
	// Timing is where the target's time went; nil for runs without
	// timing.hlog and connection counters.
	Timing *TimingJSON `json:"timing"`
	// Timeline has one point per recorded interval, in time order.
	Timeline []IntervalPoint `json:"timeline"`
}

// TimingJSON is where a target's time went, per phase and over the run.
type TimingJSON struct {
	// Phases has one entry per run phase, in order; Total is the run.
	Phases []*Timing `json:"phases"`
	Total  *Timing   `json:"total"`
}

// StatsJSON is a target's statistics over one phase, or the run.
type StatsJSON struct {
	Phase    string        `json:"phase"`       // the phase's name, "all" for the run
	Duration time.Duration `json:"duration_ns"` // the time actually run
	Counts   CountsJSON    `json:"counts"`
	// OfferedRPS is what the schedule asked for, AchievedRPS what was sent,
	// OKRPS the successful requests per second (goodput).
	OfferedRPS  float64 `json:"offered_rps"`
	AchievedRPS float64 `json:"achieved_rps"`
	OKRPS       float64 `json:"ok_rps"`
	// ErrorRate and ThrottleRate are shares of the completed requests;
	// NotSentRate of the offered ones.
	ErrorRate    float64        `json:"error_rate"`
	ThrottleRate float64        `json:"throttle_rate"`
	NotSentRate  float64        `json:"not_sent_rate"`
	Latency      OutcomeLatency `json:"latency"`
	ScheduleLag  LagStats       `json:"schedule_lag"`
}

// CountsJSON counts requests by what became of them.
type CountsJSON struct {
	Offered   int64 `json:"offered"`  // arrivals the schedule had
	Sent      int64 `json:"sent"`     // offered less not sent
	NotSent   int64 `json:"not_sent"` // beyond max_in_flight, never sent
	Completed int64 `json:"completed"`
	OK        int64 `json:"ok"` // warm + cold
	Warm      int64 `json:"warm"`
	Cold      int64 `json:"cold"`
	Errors    int64 `json:"errors"`
	// ErrorsByClass has every class (throttled, function_error,
	// http_error, timeout, transport_error), zero or not.
	ErrorsByClass map[string]int64 `json:"errors_by_class"`
	BytesIn       int64            `json:"bytes_in"`
	BytesOut      int64            `json:"bytes_out"`
	PeakInFlight  int64            `json:"peak_in_flight"`
}

// IntervalPoint is one interval of a target's timeline.
type IntervalPoint struct {
	Start     time.Duration `json:"t_ns"` // from the run start
	End       time.Duration `json:"end_ns"`
	Phase     int           `json:"phase"` // index into the run's phases
	Offered   int64         `json:"offered"`
	Sent      int64         `json:"sent"`
	OK        int64         `json:"ok"`
	Cold      int64         `json:"cold"`
	Errors    int64         `json:"errors"`
	Throttled int64         `json:"throttled"`
	// P50, P99 and Max are of the interval's successful requests; 0 when
	// it had none.
	P50          time.Duration `json:"p50_ns"`
	P99          time.Duration `json:"p99_ns"`
	Max          time.Duration `json:"max_ns"`
	LagP99       time.Duration `json:"lag_p99_ns"`
	PeakInFlight int64         `json:"peak_in_flight"`
	// Instances answered in the interval, NewInstances of them for the
	// first time; both 0 where responses do not name instances.
	Instances    int64 `json:"instances"`
	NewInstances int64 `json:"new_instances"`
}

// NewSummaryJSON builds the JSON summary of the given runs.
func NewSummaryJSON(sums ...*Summary) *SummaryJSON {
	doc := &SummaryJSON{
		SchemaVersion: SchemaVersion,
		Confidence: ConfidenceJSON{Level: CILevel,
			Method: "order statistics (binomial): ranks from Binomial(n, q) at 2.5% and 97.5%, read from the HDR histogram's buckets (low end lowest, high end highest equivalent value)"},
		Runs: []RunJSON{},
	}
	for _, s := range sums {
		doc.Runs = append(doc.Runs, s.runJSON())
	}
	return doc
}

func (s *Summary) runJSON() RunJSON {
	r := s.Run
	info := &r.Info
	rj := RunJSON{
		Dir: r.Dir, Scenario: info.ScenarioName(), ScenarioSHA256: info.ScenarioFile.SHA256, Tool: info.Tool,
		Status: r.Status, StatusReason: info.StatusReason, Killed: r.Killed,
		StartTime: info.StartTime.UTC(), EndTime: info.EndTime.UTC(), Seed: info.Seed, Arrivals: info.Arrivals,
		Interval: time.Duration(info.IntervalNanos), Shard: info.Shard, Merge: s.Run.Merge, Detection: s.Detect,
		Phases: info.Phases, Warnings: append([]string{}, s.Warnings...), Pricing: s.Pricing,
	}
	for i, ts := range s.Tables {
		t := &ts.Target
		tj := TargetJSON{
			Name: t.Name, Kind: t.Kind, Provider: t.Provider, Plan: t.Plan, Region: t.Region, URL: t.URL,
			Method: t.Method, Simulated: t.Simulated, Function: t.Function, Meta: t.Meta,
			Total: ts.Total.statsJSON(), ColdStarts: ts.Cold, Scaling: ts.Scaling, Cost: ts.Cost,
		}
		for _, row := range ts.Phases {
			tj.Phases = append(tj.Phases, row.statsJSON())
		}
		if ts.Total.Timing != nil {
			tj.Timing = &TimingJSON{Total: ts.Total.Timing}
			for _, row := range ts.Phases {
				tj.Timing.Phases = append(tj.Timing.Phases, row.Timing)
			}
		}
		if c := ts.Client; c.Measured || c.Intervals > 0 {
			tj.Client = &c
		}
		tj.Forced = ts.Forced
		tr := r.Targets[i]
		tj.Timeline = make([]IntervalPoint, len(tr.Intervals))
		for k := range tr.Intervals {
			iv := &tr.Intervals[k]
			tj.Timeline[k] = IntervalPoint{
				Start: time.Duration(iv.StartNanos), End: time.Duration(iv.EndNanos), Phase: iv.Phase,
				Offered: iv.Offered, Sent: iv.Sent, OK: iv.Warm + iv.Cold, Cold: iv.Cold, Errors: iv.Errors,
				Throttled: iv.Classes[rundir.ClassThrottled],
				P50:       iv.P50, P99: iv.P99, Max: iv.Max, LagP99: time.Duration(iv.LagP99Ns), PeakInFlight: iv.PeakInFl,
				Instances: iv.Instances, NewInstances: iv.NewInstances,
			}
		}
		rj.Targets = append(rj.Targets, tj)
	}
	return rj
}

func (row *Row) statsJSON() StatsJSON {
	c := CountsJSON{
		Offered: row.Offered, Sent: row.Sent, NotSent: row.NotSent, Completed: row.Completed,
		OK: row.Warm + row.Cold, Warm: row.Warm, Cold: row.Cold, Errors: row.Errors,
		ErrorsByClass: map[string]int64{}, BytesIn: row.BytesIn, BytesOut: row.BytesOut, PeakInFlight: row.PeakInFl,
	}
	for _, cls := range rundir.Classes {
		c.ErrorsByClass[cls] = row.Classes[cls]
	}
	st := StatsJSON{
		Phase: row.Phase, Duration: row.Duration, Counts: c,
		OfferedRPS: row.OfferedRate, AchievedRPS: row.AchievedRate,
		ErrorRate:    row.ErrorRate,
		ThrottleRate: ratio(row.Classes[rundir.ClassThrottled], row.Completed),
		NotSentRate:  ratio(row.NotSent, row.Offered),
		Latency:      row.Latency, ScheduleLag: row.Lag,
	}
	if secs := row.Duration.Seconds(); secs > 0 {
		st.OKRPS = float64(c.OK) / secs
	}
	return st
}

// scenarioName reads the scenario's name from run.json.
