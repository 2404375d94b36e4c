package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
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
	// ForcedPhase is the phase of forced cold starts, taken out of
	// Info.Phases (splitForced); nil when the run forced none.
	ForcedPhase *rundir.PhaseInfo
	// Merge is merge.json of a run that fnbench merge (or distribute)
	// made from shards: each shard and how it kept up; nil otherwise.
	Merge *MergeInfo

	// pending holds a killed run's intervals from its pending file, by
	// the file they extend (readPending).
	pending map[string][][]byte
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
	// Forced is the target's forced cold starts, apart from the traffic;
	// nil when the run forced none.
	Forced *ForcedRun
}

// Interval is one interval's counters with the latency percentiles of its
// successful requests (warm and cold).
type Interval struct {
	rundir.IntervalCounts
	P50, P90, P99, Max time.Duration
	// Timing is the interval's timing phases from timing.hlog; nil when
	// it has none (runs before timing.hlog, or nothing recorded).
	Timing *IntervalTiming
}

// IntervalTiming is one interval's timing percentiles, indexed like
// rundir.TimingPhases; a phase without values has Count 0.
type IntervalTiming [len(rundir.TimingPhases)]TimingPoint

// TimingPoint is one timing phase over one interval.
type TimingPoint struct {
	Count         int64
	P50, P99, Max time.Duration
}

// PhaseRun holds the merged histograms of one target over one phase.
type PhaseRun struct {
	latency [len(rundir.Outcomes)]*rundir.Hist     // by outcome; nil while empty
	timing  [len(rundir.TimingPhases)]*rundir.Hist // by timing phase; nil while empty
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

// Timing returns the merged histogram of one timing phase (rundir.PhaseDNS
// … rundir.PhaseTransfer); an empty one if there was none.
func (p *PhaseRun) Timing(phase string) *hdr.Histogram {
	if i := timingIndex(phase); i >= 0 {
		return p.timing[i].Histogram()
	}
	return rundir.NewHistogram()
}

// HasTiming reports whether the target's timing was recorded: a timing
// histogram or connection counters in any phase. Runs before timing.hlog,
// and senders that cannot see their connections, have none.
func (tr *TargetRun) HasTiming() bool {
	for _, pr := range tr.Phases {
		if pr.Counts.Conns != nil {
			return true
		}
		for _, h := range pr.timing {
			if h != nil {
				return true
			}
		}
	}
	return false
}

// timingIndex returns the index of a timing phase in rundir.TimingPhases,
// or -1.
func timingIndex(name string) int { return indexOf(rundir.TimingPhases[:], name) }

// Load reads a run directory. A run cut short by SIGKILL loads up to its
// last whole interval; torn trailing lines are skipped and noted.
func Load(dir string) (*Run, error) {
	info, err := rundir.ReadInfo(dir)
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Info: *info}
	if r.Merge, err = ReadMergeInfo(dir); err != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the shard table is left out: %v", err))
	}
	r.Status = r.Info.Status
	if r.Status == rundir.StatusRunning {
		r.Status, r.Killed = rundir.StatusInterrupted, true
		if err := r.readPending(); err != nil {
			return nil, err
		}
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
	// The timing log needs the intervals, and nothing else: read it
	// beside the latency log (they write different fields).
	var timing struct {
		warnings []string
		err      error
	}
	timingDone := make(chan struct{})
	if err == nil {
		for _, tr := range r.Targets {
			tr.Steps = detectSteps(r.Info.Phases, tr.Intervals)
		}
		go func() {
			defer close(timingDone)
			timing.err = r.readTiming(index, &timing.warnings)
		}()
		err = r.readLatency(index)
	} else {
		close(timingDone)
	}
	<-sideDone
	<-timingDone
	r.Warnings = append(append(r.Warnings, side.warnings...), timing.warnings...)
	for _, e := range []error{side.err, timing.err} {
		if err == nil {
			err = e
		}
	}
	if err != nil {
		return nil, err
	}
	r.noteNoLatency()
	r.splitForced()
	return r, nil
}

// noteNoLatency warns when requests completed but latency.hlog, present,
// gave no histogram of them (emptied, or cut before its first interval):
// the counts stand, the percentiles are unknown. A missing file was noted
// when it was opened.
func (r *Run) noteNoLatency() {
	var completed int64
	for _, tr := range r.Targets {
		for _, pr := range tr.Phases {
			completed += pr.Counts.Completed
			for _, h := range pr.latency {
				if h != nil {
					return
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(r.Dir, rundir.LatencyFile)); completed == 0 || err != nil {
		return
	}
	r.Warnings = append(r.Warnings, fmt.Sprintf("%s holds no latency histogram although %s counts %d completed requests: latency percentiles are unknown, the counts still stand (the file was emptied or cut)",
		rundir.LatencyFile, rundir.IntervalsFile, completed))
}

// eachLine calls fn with every whole line of a file. A last line without a
// newline was torn by a kill mid-write and is skipped with a warning.
// Warnings go to *warn.
//
// A killed run's pending intervals (readPending) follow the file's own
// lines, numbered on from them.
func (r *Run) eachLine(name string, warn *[]string, fn func(lineNo int, line []byte) error) error {
	last := 0
	err := rundir.EachLine(r.Dir, name, warn, func(n int, line []byte) error {
		last = n
		return fn(n, line)
	})
	if err != nil {
		return err
	}
	for i, line := range r.pending[name] {
		if err := fn(last+i+1, line); err != nil {
			return fmt.Errorf("%s, its %s section, line %d: %w", filepath.Join(r.Dir, rundir.PendingFile), name, i+1, err)
		}
	}
	return nil
}

// readPending reads what a killed run left in its pending file: the
// intervals that had ended but were still awaiting requests when the
// recorder last took stock. Those the run directory's files already hold
// (written between that checkpoint and the kill) are left out, by time: the
// files are written in order, so what starts at or after the end of the
// last interval written is new.
func (r *Run) readPending() error {
	pending, err := rundir.ReadPending(r.Dir)
	if err != nil || pending == nil {
		return err
	}
	var written int64 // end of the last interval written, ns
	var ignored []string
	rundir.EachLine(r.Dir, rundir.IntervalsFile, &ignored, func(_ int, line []byte) error {
		var c struct {
			End int64 `json:"end_ns"`
		}
		if json.Unmarshal(line, &c) == nil {
			written = max(written, c.End)
		}
		return nil
	})
	keep := func(name string, at func(line []byte) (int64, bool)) {
		var out [][]byte
		for _, line := range pending[name] {
			if ns, ok := at(line); ok && ns >= written {
				out = append(out, line)
			}
		}
		if len(out) > 0 {
			if r.pending == nil {
				r.pending = map[string][][]byte{}
			}
			r.pending[name] = out
		}
	}
	var n int
	keep(rundir.IntervalsFile, func(line []byte) (int64, bool) {
		var c rundir.IntervalCounts
		if json.Unmarshal(line, &c) != nil {
			return 0, false
		}
		n++
		return c.StartNanos, true
	})
	keep(rundir.EventsFile, func(line []byte) (int64, bool) {
		var e rundir.Event
		return e.AtNanos, json.Unmarshal(line, &e) == nil
	})
	for _, name := range []string{rundir.LatencyFile, rundir.LagFile, rundir.TimingFile} {
		keep(name, hlogStartNanos)
	}
	if len(r.pending[rundir.IntervalsFile]) > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d interval lines came from %s: the intervals that had ended but still awaited requests when fnbench was killed; they hold what had completed, and requests still in flight then are not counted as completed",
			len(r.pending[rundir.IntervalsFile]), rundir.PendingFile))
	}
	return nil
}

// hlogStartNanos reads the start of an interval line of an HdrHistogram
// log ("Tag=t,start,length,max,payload", start in seconds from the base
// time, which is the run's start), in ns.
func hlogStartNanos(line []byte) (int64, bool) {
	s := string(line)
	if strings.HasPrefix(s, "Tag=") {
		_, s, _ = strings.Cut(s, ",")
	}
	start, _, ok := strings.Cut(s, ",")
	sec, err := strconv.ParseFloat(start, 64)
	if !ok || err != nil || sec < 0 {
		return 0, false
	}
	// Written to the millisecond: round, so that 4.999999… reads as 5 s.
	return int64(math.Round(sec*1000)) * int64(time.Millisecond), true
}

func (r *Run) phaseOf(i int) (int, error) {
	if i < 0 || i >= len(r.Info.Phases) {
		return 0, fmt.Errorf("phase %d is not in run.json", i)
	}
	return i, nil
}

func (r *Run) readIntervals(index map[string]int) error {
	return r.eachLine(rundir.IntervalsFile, &r.Warnings, func(lineNo int, line []byte) error {
		var c rundir.IntervalCounts
		if err := json.Unmarshal(line, &c); err != nil {
			return err
		}
		if err := c.Check(); err != nil {
			// One corrupt line is left out, not the whole run.
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s:%d: %v; the line is left out (fnbench never writes it: the file was edited or damaged)", rundir.IntervalsFile, lineNo, err))
			return nil
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
	err := r.eachHlog(rundir.LatencyFile, outcomeTags, index, &r.Warnings, func(t, o int, startMs int64, h *rundir.Sparse) error {
		tr, lr := r.Targets[t], readers[t]
		k, p := r.locate(tr, startMs, &lr.cursor)
		if k >= 0 {
			lr.begin(k)
			switch o {
			case rundir.IndexWarm:
				lr.warm.CopyFrom(h)
				lr.hasWarm = true
			case rundir.IndexCold:
				lr.cold.CopyFrom(h)
				lr.hasCold = true
			}
		}
		mergeSparse(&tr.Phases[p].latency[o], h)
		return nil
	})
	for _, lr := range readers {
		lr.begin(-1)
	}
	return err
}

// hlogTags says how the tags of one HdrHistogram log read: "<target>"
// alone (kinds nil), or "<target>/<kind>" with kind one of kinds, which
// noun names.
type hlogTags struct {
	noun  string
	kinds []string
}

var (
	lagTags     = hlogTags{}
	outcomeTags = hlogTags{"outcome", rundir.Outcomes[:]}
	timingTags  = hlogTags{"phase", rundir.TimingPhases[:]}
)

// eachHlog calls fn with every interval histogram of one of the run's
// HdrHistogram logs: the index of its target in r.Targets, of its kind in
// tags.kinds (0 without kinds), and its start in milliseconds from the
// run start. The histogram is the decoder's: valid during the call only.
// Warnings (a torn last line, a missing file) go to *warn.
func (r *Run) eachHlog(name string, tags hlogTags, index map[string]int, warn *[]string,
	fn func(t, kind int, startMs int64, h *rundir.Sparse) error) error {
	var dec rundir.HlogDecoder
	return r.eachLine(name, warn, func(_ int, line []byte) error {
		l, ok, err := dec.Line(line)
		if err != nil || !ok {
			return err
		}
		target, kind := l.Tag, 0
		if tags.kinds != nil {
			var sub string
			var found bool
			if target, sub, found = strings.Cut(l.Tag, "/"); !found {
				return fmt.Errorf("tag %q is not <target>/<%s>", l.Tag, tags.noun)
			}
			if kind = indexOf(tags.kinds, sub); kind < 0 {
				return fmt.Errorf("unknown %s %q in tag %q", tags.noun, sub, l.Tag)
			}
		}
		t, ok := index[target]
		if !ok {
			return fmt.Errorf("target %q is not in run.json", target)
		}
		return fn(t, kind, int64(l.Start*1e3+0.5), l.Hist)
	})
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

// locate finds the interval of tr that starts at startMs (advancing
// *cursor, see findInterval) and the phase the histogram belongs to: the
// interval's, or by time when no interval starts there.
func (r *Run) locate(tr *TargetRun, startMs int64, cursor *int) (k, p int) {
	if k = tr.findInterval(startMs, cursor); k >= 0 {
		return k, tr.Intervals[k].Phase
	}
	return -1, r.phaseAtMs(startMs)
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
	return r.eachHlog(rundir.LagFile, lagTags, index, warn, func(t, _ int, startMs int64, h *rundir.Sparse) error {
		mergeSparse(&r.Targets[t].Phases[r.phaseAtMs(startMs)].lag, h)
		return nil
	})
}

// timingReader follows one target through timing.hlog, collecting the
// histograms of the interval being read (a phase may come in more than
// one line) into its percentiles when the next one begins.
type timingReader struct {
	tr      *TargetRun
	cursor  int // next interval to match
	current int // interval whose lines are being read; -1 for none
	acc     [len(rundir.TimingPhases)]rundir.Sparse
	has     [len(rundir.TimingPhases)]bool
}

func (rd *timingReader) add(k, phase int, h *rundir.Sparse) {
	if k != rd.current {
		rd.finish()
		rd.current = k
	}
	if rd.has[phase] {
		rd.acc[phase] = *rd.acc[phase].Add(h)
	} else {
		rd.acc[phase].CopyFrom(h)
		rd.has[phase] = true
	}
}

func (rd *timingReader) finish() {
	if rd.current < 0 {
		return
	}
	iv := &rd.tr.Intervals[rd.current]
	if iv.Timing == nil {
		iv.Timing = &IntervalTiming{}
	}
	for ph, ok := range rd.has {
		if ok && rd.acc[ph].Total > 0 {
			q := rd.acc[ph].Quantiles(50, 99)
			iv.Timing[ph] = TimingPoint{Count: rd.acc[ph].Total, P50: q[0], P99: q[1], Max: rd.acc[ph].Max()}
		}
		rd.has[ph] = false
	}
	rd.current = -1
}

// readTiming reads timing.hlog, which runs before it do not have: its
// absence is no warning.
func (r *Run) readTiming(index map[string]int, warn *[]string) error {
	if !r.hasFile(rundir.TimingFile) {
		return nil
	}
	readers := make([]*timingReader, len(r.Targets))
	for t, tr := range r.Targets {
		readers[t] = &timingReader{tr: tr, current: -1}
	}
	err := r.eachHlog(rundir.TimingFile, timingTags, index, warn, func(t, phase int, startMs int64, h *rundir.Sparse) error {
		tr, rd := r.Targets[t], readers[t]
		k, p := r.locate(tr, startMs, &rd.cursor)
		if k >= 0 {
			rd.add(k, phase, h)
		}
		mergeSparse(&tr.Phases[p].timing[phase], h)
		return nil
	})
	for _, rd := range readers {
		rd.finish()
	}
	return err
}

// hasFile reports whether the run directory holds a file.
func (r *Run) hasFile(name string) bool { return fileExists(r.Dir, name) }

// fileExists reports whether a run directory holds a file (an unreadable
// one counts: reading it will say what is wrong).
func fileExists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return !errors.Is(err, fs.ErrNotExist)
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
