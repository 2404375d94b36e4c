package analyze

import (
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// Forced cold starts (cold_start.force) are samples, not traffic: one
// invocation at a time, each after a configuration change, seconds apart.
// Load keeps them apart from the traffic's phases (splitForced), so that
// they count in no rate, chart, headline figure or cost per million, and
// the summary gives them a section of their own (ForcedSummary).

// splitForced moves the forced phase out of the run's phases: its
// intervals, histograms and cold-start events go to each target's Forced,
// and the traffic's phases are renumbered from 0.
func (r *Run) splitForced() {
	f := -1
	for i, p := range r.Info.Phases {
		if p.Name == rundir.ForcedPhase {
			f = i
		}
	}
	if f < 0 {
		return
	}
	phase := r.Info.Phases[f]
	r.ForcedPhase = &phase
	r.Info.Phases = append(r.Info.Phases[:f:f], r.Info.Phases[f+1:]...)
	for _, tr := range r.Targets {
		ft := &ForcedRun{Phase: tr.Phases[f]}
		tr.Phases = append(tr.Phases[:f:f], tr.Phases[f+1:]...)
		kept := tr.Intervals[:0]
		for _, iv := range tr.Intervals {
			switch {
			case iv.Phase == f:
				ft.Intervals = append(ft.Intervals, iv)
				continue
			case iv.Phase > f:
				iv.Phase--
			}
			kept = append(kept, iv)
		}
		tr.Intervals = kept
		tr.Forced = ft
		tr.Steps = detectSteps(r.Info.Phases, tr.Intervals)
	}
	events := r.Events[:0]
	for _, e := range r.Events {
		if e.Type == rundir.EventColdStart && e.AtNanos >= phase.StartNanos && e.AtNanos < phase.EndNanos {
			if tr := r.target(e.Target); tr != nil {
				tr.Forced.Colds = append(tr.Forced.Colds, e)
				continue
			}
		}
		events = append(events, e)
	}
	r.Events = events
}

func (r *Run) target(name string) *TargetRun {
	for _, tr := range r.Targets {
		if tr.Info.Name == name {
			return tr
		}
	}
	return nil
}

// ForcedRun is one target's forced cold starts as the run recorded them.
type ForcedRun struct {
	Phase     *PhaseRun
	Intervals []Interval     // one per sample
	Colds     []rundir.Event // the cold-start events of the samples
}

// ForcedSummary is one target's forced cold starts: what was asked and
// got, the init and cold latency distributions, the penalty against the
// traffic's warm requests, and whether the function's configuration was
// put back.
type ForcedSummary struct {
	Wanted   int    `json:"wanted"`
	Cold     int    `json:"cold"`
	Warm     int    `json:"warm"`     // samples that turned out warm, and were tried again
	Errors   int    `json:"errors"`   // invocations that failed
	Attempts int    `json:"attempts"` // invocations sent
	Error    string `json:"error,omitempty"`
	// Restored says whether fnbench put the original configuration back
	// (original-config.json); nil when the run directory does not say.
	Restored *bool `json:"restored"`
	// Latency is the cold samples' latency; InitDuration the init times
	// they reported.
	Latency      *LatencyStats `json:"latency"`
	InitDuration *InitStats    `json:"init_duration"`
	// Penalty is the cold samples' p50 − the traffic's warm p50.
	Penalty *Penalty `json:"penalty_p50"`
	// Span is the time the forced phase took, configuration changes
	// included.
	Span time.Duration `json:"span_ns"`
}

// forcedSummary summarises a target's forced cold starts against its
// traffic's warm requests; nil when it had none.
func forcedSummary(r *Run, tr *TargetRun, total Row, warm Dist) *ForcedSummary {
	if tr.Forced == nil || r.ForcedPhase == nil {
		return nil
	}
	fs := &ForcedSummary{Span: time.Duration(r.ForcedPhase.EndNanos - r.ForcedPhase.StartNanos)}
	for _, res := range r.Info.Forced {
		if res.Target == tr.Info.Name {
			fs.Wanted, fs.Cold, fs.Warm, fs.Errors, fs.Attempts, fs.Error = res.Wanted, res.Cold, res.Warm, res.Errors, res.Attempts, res.Error
		}
	}
	if fs.Attempts == 0 && tr.Forced.Phase.Counts.Sent == 0 {
		return nil // the target was not forced
	}
	if o, err := rundir.ReadOriginals(r.Dir); err == nil {
		restored := o.Restored
		fs.Restored = &restored
	}
	cold := distOf(tr.Forced.Phase.latency[rundir.IndexCold])
	fs.Latency = latencyStats(cold)
	fs.Penalty = penaltyOf(cold, warm)
	var inits []time.Duration
	for _, e := range tr.Forced.Colds {
		if e.InitNanos > 0 {
			inits = append(inits, time.Duration(e.InitNanos))
		}
	}
	fs.InitDuration = initStats(inits)
	return fs
}
