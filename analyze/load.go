package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/rundir"
)

// Run is a run directory read back: its metadata, its counters, and its
// latency histograms merged per target, phase and outcome. Per-interval
// percentiles are kept as numbers, not histograms, so a long run's memory
// stays proportional to its interval count.
type Run struct {
	Dir  string
	Info rundir.RunInfo
	// Status is the run's effective status: a run.json left at "running"
	// means the process was killed, which reads as interrupted.
	Status   string
	Killed   bool
	Targets  []*TargetRun
	Events   []rundir.Event
	Warnings []string // what was skipped while reading (a torn last line)
}

// TargetRun is one target's share of a run.
type TargetRun struct {
	Info      rundir.TargetInfo
	Intervals []Interval
	Phases    []*PhaseRun // indexed like Info.Phases
	// Steps are the jumps of the offered rate (steps, spikes, a phase that
	// starts higher), with the warm p99 before each: the start of every
	// time-to-scale measurement.
	Steps []Step
}

// Interval is one interval's counters with the latency percentiles of its
// successful requests (warm and cold).
type Interval struct {
	rundir.IntervalCounts
	P50, P90, P99, Max time.Duration
}

// PhaseRun holds the merged histograms of one target over one phase.
type PhaseRun struct {
	latency [len(rundir.Outcomes)]*rundir.Hist // by outcome; nil while empty
	lag     *rundir.Hist
	Counts  rundir.IntervalCounts // summed over the phase's intervals
}

// Latency returns the merged latency histogram of one outcome (attack.
// OutcomeWarm, OutcomeCold or OutcomeError); an empty one if there was none.
func (p *PhaseRun) Latency(outcome string) *hdr.Histogram {
	if o := rundir.OutcomeIndex(outcome); o >= 0 {
		return p.latency[o].Histogram()
	}
	return rundir.NewHistogram()
}

// Load reads a run directory. A run cut short by SIGKILL loads up to its
// last whole interval; torn trailing lines are skipped and noted.
func Load(dir string) (*Run, error) {
	info, err := rundir.ReadInfo(dir)
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Info: *info}
	r.Status = r.Info.Status
	if r.Status == rundir.StatusRunning {
		r.Status, r.Killed = rundir.StatusInterrupted, true
	}
	index := make(map[string]int, len(r.Info.Targets))
	for i, ti := range r.Info.Targets {
		index[ti.Name] = i
		tr := &TargetRun{Info: ti, Phases: make([]*PhaseRun, len(r.Info.Phases))}
		for p := range tr.Phases {
			tr.Phases[p] = &PhaseRun{}
		}
		r.Targets = append(r.Targets, tr)
	}
	// The lag log and the events need nothing the others produce: read
	// them on a second core.
	var side struct {
		warnings []string
		err      error
	}
	sideDone := make(chan struct{})
	go func() {
		defer close(sideDone)
		if side.err = r.readLag(index, &side.warnings); side.err == nil {
			side.err = r.readEvents(&side.warnings)
		}
	}()
	err = r.readIntervals(index)
	if err == nil {
		for _, tr := range r.Targets {
			tr.Steps = detectSteps(r.Info.Phases, tr.Intervals)
		}
		err = r.readLatency(index)
	}
	<-sideDone
	r.Warnings = append(r.Warnings, side.warnings...)
	if err == nil {
		err = side.err
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// eachLine calls fn with every whole line of a file. A last line without a
// newline was torn by a kill mid-write and is skipped with a warning.
// Warnings go to *warn.
func (r *Run) eachLine(name string, warn *[]string, fn func(lineNo int, line []byte) error) error {
	return rundir.EachLine(r.Dir, name, warn, fn)
}

func (r *Run) phaseOf(i int) (int, error) {
	if i < 0 || i >= len(r.Info.Phases) {
		return 0, fmt.Errorf("phase %d is not in run.json", i)
	}
	return i, nil
}

func (r *Run) readIntervals(index map[string]int) error {
	return r.eachLine(rundir.IntervalsFile, &r.Warnings, func(_ int, line []byte) error {
		var c rundir.IntervalCounts
		if err := json.Unmarshal(line, &c); err != nil {
			return err
		}
		t, ok := index[c.Target]
		if !ok {
			return fmt.Errorf("target %q is not in run.json", c.Target)
		}
		p, err := r.phaseOf(c.Phase)
		if err != nil {
			return err
		}
		tr := r.Targets[t]
		tr.Intervals = append(tr.Intervals, Interval{IntervalCounts: c})
		(&tr.Phases[p].Counts).Add(&c)
		return nil
	})
}

// mergeSparse adds a decoded interval histogram to *dst, created on first
// use.
func mergeSparse(dst **rundir.Hist, h *rundir.Sparse) {
	if *dst == nil {
		*dst = rundir.NewHist()
	}
	(*dst).AddSparse(h)
}

// latencyReader follows one target through latency.hlog: the interval its
// lines belong to, that interval's warm and cold histograms, and the warm
// histograms of the intervals before it (for the baselines of steps). Its
// histograms are buffers reused interval after interval: a long run
// allocates nothing per line here.
type latencyReader struct {
	tr               *TargetRun
	cursor           int // next interval to match
	current          int // interval whose lines are being read; -1 for none
	warm, cold       rundir.Sparse
	hasWarm, hasCold bool
	// recent is a ring of the last intervals' warm histograms: n of them,
	// the oldest at (next − n) mod len.
	recent   [baselineIntervals]rundir.Sparse
	n, next  int
	nextStep int // first step whose baseline is not known yet
}

// baselineIntervals is how many intervals before a step its warm baseline
// is taken over (intervals without warm requests do not count).
const baselineIntervals = 10

// begin moves to interval k (-1: past the end), finishing the current one,
// and settles the baselines of steps that begin at or before k.
func (lr *latencyReader) begin(k int) {
	if k == lr.current && k >= 0 {
		return
	}
	lr.finish()
	steps := lr.tr.Steps
	for lr.nextStep < len(steps) && (k < 0 || steps[lr.nextStep].Interval <= k) {
		recent := make([]*rundir.Sparse, 0, lr.n)
		for i := range lr.n {
			recent = append(recent, &lr.recent[(lr.next-lr.n+i+baselineIntervals)%baselineIntervals])
		}
		steps[lr.nextStep].setBaseline(recent)
		lr.nextStep++
	}
	lr.current = k
}

// finish computes the current interval's percentiles over its successful
// requests and remembers its warm histogram.
func (lr *latencyReader) finish() {
	if lr.current < 0 {
		return
	}
	var ok *rundir.Sparse
	switch {
	case lr.hasWarm && lr.hasCold:
		ok = lr.warm.Add(&lr.cold)
	case lr.hasWarm:
		ok = &lr.warm
	case lr.hasCold:
		ok = &lr.cold
	}
	if ok != nil && ok.Total > 0 {
		iv := &lr.tr.Intervals[lr.current]
		q := ok.Quantiles(50, 90, 99)
		iv.P50, iv.P90, iv.P99, iv.Max = q[0], q[1], q[2], ok.Max()
	}
	if lr.hasWarm && lr.warm.Total > 0 && lr.nextStep < len(lr.tr.Steps) {
		lr.recent[lr.next].CopyFrom(&lr.warm)
		lr.next = (lr.next + 1) % baselineIntervals
		lr.n = min(lr.n+1, baselineIntervals)
	}
	lr.current, lr.hasWarm, lr.hasCold = -1, false, false
}

func (r *Run) readLatency(index map[string]int) error {
	readers := make([]*latencyReader, len(r.Targets))
	for t, tr := range r.Targets {
		readers[t] = &latencyReader{tr: tr, current: -1}
	}
	var dec rundir.HlogDecoder
	err := r.eachLine(rundir.LatencyFile, &r.Warnings, func(_ int, line []byte) error {
		l, ok, err := dec.Line(line)
		if err != nil || !ok {
			return err
		}
		name, outcome, found := strings.Cut(l.Tag, "/")
		if !found {
			return fmt.Errorf("tag %q is not <target>/<outcome>", l.Tag)
		}
		t, ok := index[name]
		if !ok {
			return fmt.Errorf("target %q is not in run.json", name)
		}
		o := rundir.OutcomeIndex(outcome)
		if o < 0 {
			return fmt.Errorf("unknown outcome %q in tag %q", outcome, l.Tag)
		}
		tr, lr := r.Targets[t], readers[t]
		startMs := int64(l.Start*1e3 + 0.5)
		k := tr.findInterval(startMs, &lr.cursor)
		p := r.phaseAtMs(startMs)
		if k >= 0 {
			p = tr.Intervals[k].Phase
			lr.begin(k)
			switch o {
			case rundir.IndexWarm:
				lr.warm.CopyFrom(l.Hist)
				lr.hasWarm = true
			case rundir.IndexCold:
				lr.cold.CopyFrom(l.Hist)
				lr.hasCold = true
			}
		}
		mergeSparse(&tr.Phases[p].latency[o], l.Hist)
		return nil
	})
	for _, lr := range readers {
		lr.begin(-1)
	}
	return err
}

// findInterval advances *cursor to the interval starting at startMs and
// returns its index, or -1 when no interval starts there.
func (tr *TargetRun) findInterval(startMs int64, cursor *int) int {
	for *cursor < len(tr.Intervals) {
		ms := tr.Intervals[*cursor].StartNanos / 1e6
		if ms == startMs {
			return *cursor
		}
		if ms > startMs {
			return -1
		}
		*cursor++
	}
	return -1
}

func (r *Run) phaseAtMs(ms int64) int {
	ns := ms * 1e6
	for i := len(r.Info.Phases) - 1; i >= 0; i-- {
		// Phase starts are truncated to milliseconds in the log.
		if ns >= r.Info.Phases[i].StartNanos/1e6*1e6 {
			return i
		}
	}
	return 0
}

func (r *Run) readLag(index map[string]int, warn *[]string) error {
	var dec rundir.HlogDecoder
	return r.eachLine(rundir.LagFile, warn, func(_ int, line []byte) error {
		l, ok, err := dec.Line(line)
		if err != nil || !ok {
			return err
		}
		t, ok := index[l.Tag]
		if !ok {
			return fmt.Errorf("target %q is not in run.json", l.Tag)
		}
		p := r.phaseAtMs(int64(l.Start*1e3 + 0.5))
		mergeSparse(&r.Targets[t].Phases[p].lag, l.Hist)
		return nil
	})
}

func (r *Run) readEvents(warn *[]string) error {
	return r.eachLine(rundir.EventsFile, warn, func(_ int, line []byte) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		var e rundir.Event
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		r.Events = append(r.Events, e)
		return nil
	})
}
