package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/attack"
)

// Run is a run directory read back: its metadata, its counters, and its
// latency histograms merged per target, phase and outcome. Per-interval
// percentiles are kept as numbers, not histograms, so a long run's memory
// stays proportional to its interval count.
type Run struct {
	Dir  string
	Info attack.RunInfo
	// Status is the run's effective status: a run.json left at "running"
	// means the process was killed, which reads as interrupted.
	Status   string
	Killed   bool
	Targets  []*TargetRun
	Events   []attack.Event
	Warnings []string // what was skipped while reading (a torn last line)
}

// TargetRun is one target's share of a run.
type TargetRun struct {
	Info      attack.TargetInfo
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
	attack.IntervalCounts
	P50, P90, P99, Max time.Duration
}

// PhaseRun holds the merged histograms of one target over one phase.
type PhaseRun struct {
	latency [len(attack.Outcomes)]*hist // by outcome; nil while empty
	lag     *hist
	Counts  attack.IntervalCounts // summed over the phase's intervals
}

// Latency returns the merged latency histogram of one outcome (attack.
// OutcomeWarm, OutcomeCold or OutcomeError); an empty one if there was none.
func (p *PhaseRun) Latency(outcome string) *hdr.Histogram {
	if o := outcomeIndex(outcome); o >= 0 {
		return p.latency[o].histogram()
	}
	return attack.NewHistogram()
}

// Load reads a run directory. A run cut short by SIGKILL loads up to its
// last whole interval; torn trailing lines are skipped and noted.
func Load(dir string) (*Run, error) {
	info, err := readRunInfo(dir)
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Info: *info}
	r.Status = r.Info.Status
	if r.Status == attack.StatusRunning {
		r.Status, r.Killed = attack.StatusInterrupted, true
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

// readRunInfo reads and checks a run directory's run.json.
func readRunInfo(dir string) (*attack.RunInfo, error) {
	b, err := os.ReadFile(filepath.Join(dir, attack.RunFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a run directory: it has no %s", dir, attack.RunFile)
		}
		return nil, err
	}
	var info attack.RunInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, attack.RunFile), err)
	}
	if info.FormatVersion > attack.FormatVersion {
		return nil, fmt.Errorf("%s was written by a newer fnbench (run format %d; this one reads up to %d); upgrade fnbench",
			dir, info.FormatVersion, attack.FormatVersion)
	}
	if len(info.Targets) == 0 || len(info.Phases) == 0 {
		return nil, fmt.Errorf("%s: run.json lists no targets or no phases; it is not a run fnbench wrote", dir)
	}
	return &info, nil
}

// eachLine calls fn with every whole line of a file. A last line without a
// newline was torn by a kill mid-write and is skipped with a warning.
// Warnings go to *warn.
func (r *Run) eachLine(name string, warn *[]string, fn func(lineNo int, line []byte) error) error {
	return eachLineIn(r.Dir, name, warn, fn)
}

// eachLineIn is eachLine for the file name of any run directory.
func eachLineIn(dir, name string, warn *[]string, fn func(lineNo int, line []byte) error) error {
	lr, err := openLines(dir, name, warn)
	if err != nil || lr == nil {
		return err
	}
	defer lr.close()
	for {
		line, ok, err := lr.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(lr.n, line); err != nil {
			return lr.wrap(err)
		}
	}
}

// lineReader reads the whole lines of one file of a run directory.
type lineReader struct {
	dir, name string
	f         *os.File
	br        *bufio.Reader
	n         int // the number of the line last returned
	warn      *[]string
}

// openLines opens a file of a run directory. A missing file is noted in
// *warn and gives a nil reader.
func openLines(dir, name string, warn *[]string) (*lineReader, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			*warn = append(*warn, fmt.Sprintf("%s is missing", name))
			return nil, nil
		}
		return nil, err
	}
	return &lineReader{dir: dir, name: name, f: f, br: bufio.NewReaderSize(f, 256<<10), warn: warn}, nil
}

// next returns the next whole line without its newline, or ok=false at
// the end. A last line without a newline was torn by a kill mid-write: it
// is skipped with a warning.
//
// The line is valid until the next call.
func (lr *lineReader) next() (line []byte, ok bool, err error) {
	line, err = lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull { // a line longer than the buffer
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = lr.br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	lr.n++
	if err == io.EOF {
		if len(line) > 0 {
			*lr.warn = append(*lr.warn, fmt.Sprintf("%s:%d: skipped a torn last line (the run was killed while writing it)", lr.name, lr.n))
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return line[:len(line)-1], true, nil
}

// wrap names the file and line an error was found at.
func (lr *lineReader) wrap(err error) error {
	return fmt.Errorf("%s:%d: %w", filepath.Join(lr.dir, lr.name), lr.n, err)
}

func (lr *lineReader) close() { lr.f.Close() }

func (r *Run) phaseOf(i int) (int, error) {
	if i < 0 || i >= len(r.Info.Phases) {
		return 0, fmt.Errorf("phase %d is not in run.json", i)
	}
	return i, nil
}

func (r *Run) readIntervals(index map[string]int) error {
	return r.eachLine(attack.IntervalsFile, &r.Warnings, func(_ int, line []byte) error {
		var c attack.IntervalCounts
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
		addCounts(&tr.Phases[p].Counts, &c)
		return nil
	})
}

func addCounts(sum, c *attack.IntervalCounts) {
	sum.Offered += c.Offered
	sum.Sent += c.Sent
	sum.NotSent += c.NotSent
	sum.Completed += c.Completed
	sum.Warm += c.Warm
	sum.Cold += c.Cold
	sum.Errors += c.Errors
	sum.BytesIn += c.BytesIn
	sum.BytesOut += c.BytesOut
	sum.PeakInFl = max(sum.PeakInFl, c.PeakInFl)
	sum.Instances = max(sum.Instances, c.Instances) // the busiest interval's
	sum.NewInstances += c.NewInstances
	for k, v := range c.ColdEvidence {
		if sum.ColdEvidence == nil {
			sum.ColdEvidence = map[string]int64{}
		}
		sum.ColdEvidence[k] += v
	}
	sum.LagMaxNs = max(sum.LagMaxNs, c.LagMaxNs)
	if c.Billing != nil {
		if sum.Billing == nil {
			sum.Billing = &attack.Billing{}
		}
		sum.Billing.Merge(c.Billing)
	}
	for k, v := range c.Classes {
		if sum.Classes == nil {
			sum.Classes = map[string]int64{}
		}
		sum.Classes[k] += v
	}
}

// hlogLine is one interval histogram of an HdrHistogram log.
type hlogLine struct {
	Tag        string
	Start, Len float64 // seconds, relative to the log's base time
	Hist       *sparse
}

// mergeSparse adds a decoded interval histogram to *dst, created on first
// use.
func mergeSparse(dst **hist, h *sparse) {
	if *dst == nil {
		*dst = newHist()
	}
	(*dst).addSparse(h)
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
	warm, cold       sparse
	hasWarm, hasCold bool
	// recent is a ring of the last intervals' warm histograms: n of them,
	// the oldest at (next − n) mod len.
	recent   [baselineIntervals]sparse
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
		recent := make([]*sparse, 0, lr.n)
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
	var ok *sparse
	switch {
	case lr.hasWarm && lr.hasCold:
		ok = lr.warm.add(&lr.cold)
	case lr.hasWarm:
		ok = &lr.warm
	case lr.hasCold:
		ok = &lr.cold
	}
	if ok != nil && ok.total > 0 {
		iv := &lr.tr.Intervals[lr.current]
		q := ok.quantiles(50, 90, 99)
		iv.P50, iv.P90, iv.P99, iv.Max = q[0], q[1], q[2], ok.max()
	}
	if lr.hasWarm && lr.warm.total > 0 && lr.nextStep < len(lr.tr.Steps) {
		lr.recent[lr.next].copyFrom(&lr.warm)
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
	var dec hlogDecoder
	err := r.eachLine(attack.LatencyFile, &r.Warnings, func(_ int, line []byte) error {
		l, ok, err := dec.line(line)
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
		o := outcomeIndex(outcome)
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
			case outcomeWarm:
				lr.warm.copyFrom(l.Hist)
				lr.hasWarm = true
			case outcomeCold:
				lr.cold.copyFrom(l.Hist)
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

const (
	outcomeWarm = iota
	outcomeCold
	outcomeError
)

func outcomeIndex(name string) int {
	for i, o := range attack.Outcomes {
		if o == name {
			return i
		}
	}
	return -1
}

func (r *Run) readLag(index map[string]int, warn *[]string) error {
	var dec hlogDecoder
	return r.eachLine(attack.LagFile, warn, func(_ int, line []byte) error {
		l, ok, err := dec.line(line)
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
	return r.eachLine(attack.EventsFile, warn, func(_ int, line []byte) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		var e attack.Event
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		r.Events = append(r.Events, e)
		return nil
	})
}
