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
	"strconv"
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
}

// Interval is one interval's counters with the latency percentiles of its
// successful requests (warm and cold).
type Interval struct {
	attack.IntervalCounts
	P50, P90, P99, Max time.Duration
}

// PhaseRun holds the merged histograms of one target over one phase.
type PhaseRun struct {
	latency [len(attack.Outcomes)]*hdr.Histogram // by outcome; nil while empty
	lag     *hdr.Histogram
	Counts  attack.IntervalCounts // summed over the phase's intervals
}

// Latency returns the merged latency histogram of one outcome (attack.
// OutcomeWarm, OutcomeCold or OutcomeError); an empty one if there was none.
func (p *PhaseRun) Latency(outcome string) *hdr.Histogram {
	if o := outcomeIndex(outcome); o >= 0 && p.latency[o] != nil {
		return p.latency[o]
	}
	return attack.NewHistogram()
}

// Lag returns the merged schedule-lag histogram.
func (p *PhaseRun) Lag() *hdr.Histogram {
	if p.lag != nil {
		return p.lag
	}
	return attack.NewHistogram()
}

// mergeInto adds h to *dst, adopting h itself when *dst is still empty:
// decoded histograms are fresh, and copying 200 KB per interval adds up.
func mergeInto(dst **hdr.Histogram, h *hdr.Histogram) {
	if *dst == nil {
		*dst = h
		return
	}
	(*dst).Merge(h)
}

// Load reads a run directory. A run cut short by SIGKILL loads up to its
// last whole interval; torn trailing lines are skipped and noted.
func Load(dir string) (*Run, error) {
	b, err := os.ReadFile(filepath.Join(dir, attack.RunFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a run directory: it has no %s", dir, attack.RunFile)
		}
		return nil, err
	}
	r := &Run{Dir: dir}
	if err := json.Unmarshal(b, &r.Info); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, attack.RunFile), err)
	}
	if r.Info.FormatVersion > attack.FormatVersion {
		return nil, fmt.Errorf("%s was written by a newer fnbench (run format %d; this one reads up to %d); upgrade fnbench",
			dir, r.Info.FormatVersion, attack.FormatVersion)
	}
	if len(r.Info.Targets) == 0 || len(r.Info.Phases) == 0 {
		return nil, fmt.Errorf("%s: run.json lists no targets or no phases; it is not a run fnbench wrote", dir)
	}
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
	if err := r.readIntervals(index); err != nil {
		return nil, err
	}
	if err := r.readLatency(index); err != nil {
		return nil, err
	}
	if err := r.readLag(index); err != nil {
		return nil, err
	}
	if err := r.readEvents(); err != nil {
		return nil, err
	}
	return r, nil
}

// eachLine calls fn with every whole line of a file. A last line without a
// newline was torn by a kill mid-write and is skipped with a warning.
func (r *Run) eachLine(name string, fn func(lineNo int, line []byte) error) error {
	f, err := os.Open(filepath.Join(r.Dir, name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s is missing", name))
			return nil
		}
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			if len(line) > 0 {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s:%d: skipped a torn last line (the run was killed while writing it)", name, n))
			}
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(n, line[:len(line)-1]); err != nil {
			return fmt.Errorf("%s:%d: %w", filepath.Join(r.Dir, name), n, err)
		}
	}
}

func (r *Run) phaseOf(i int) (int, error) {
	if i < 0 || i >= len(r.Info.Phases) {
		return 0, fmt.Errorf("phase %d is not in run.json", i)
	}
	return i, nil
}

func (r *Run) readIntervals(index map[string]int) error {
	return r.eachLine(attack.IntervalsFile, func(_ int, line []byte) error {
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
	Hist       *hdr.Histogram
}

// parseHlogLine decodes one line of an HdrHistogram interval log. Comment
// and legend lines return ok=false.
func parseHlogLine(line []byte) (l hlogLine, ok bool, err error) {
	s := strings.TrimRight(string(line), "\r")
	if s == "" || s[0] == '#' || s[0] == '"' {
		return l, false, nil
	}
	if rest, found := strings.CutPrefix(s, "Tag="); found {
		tag, after, found := strings.Cut(rest, ",")
		if !found {
			return l, false, errors.New("tag without a comma")
		}
		l.Tag, s = tag, after
	}
	fields := strings.SplitN(s, ",", 4)
	if len(fields) != 4 {
		return l, false, errors.New("expected start,length,max,histogram")
	}
	if l.Start, err = strconv.ParseFloat(fields[0], 64); err != nil {
		return l, false, fmt.Errorf("bad start timestamp: %w", err)
	}
	if l.Len, err = strconv.ParseFloat(fields[1], 64); err != nil {
		return l, false, fmt.Errorf("bad interval length: %w", err)
	}
	if l.Hist, err = hdr.Decode([]byte(fields[3])); err != nil {
		return l, false, fmt.Errorf("bad histogram: %w", err)
	}
	return l, true, nil
}

func (r *Run) readLatency(index map[string]int) error {
	cursor := make([]int, len(r.Targets))            // next interval to match, per target
	current := make([]*Interval, len(r.Targets))     // interval whose lines are being read
	merged := make([]*hdr.Histogram, len(r.Targets)) // its successful requests so far, reused
	finish := func(t int) {
		if iv, h := current[t], merged[t]; iv != nil && h != nil && h.TotalCount() > 0 {
			iv.P50 = time.Duration(h.ValueAtQuantile(50))
			iv.P90 = time.Duration(h.ValueAtQuantile(90))
			iv.P99 = time.Duration(h.ValueAtQuantile(99))
			iv.Max = time.Duration(h.Max())
			h.Reset()
		}
		current[t] = nil
	}
	err := r.eachLine(attack.LatencyFile, func(_ int, line []byte) error {
		l, ok, err := parseHlogLine(line)
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
		tr := r.Targets[t]
		startMs := int64(l.Start*1e3 + 0.5)
		iv := tr.findInterval(startMs, &cursor[t])
		p := r.phaseAtMs(startMs)
		if iv != nil {
			p = iv.Phase
		}
		if o != outcomeError {
			if iv != current[t] {
				finish(t)
				current[t] = iv
			}
			if merged[t] == nil {
				merged[t] = attack.NewHistogram()
			}
			merged[t].Merge(l.Hist)
		}
		mergeInto(&tr.Phases[p].latency[o], l.Hist)
		return nil
	})
	for t := range current {
		finish(t)
	}
	return err
}

// findInterval advances *cursor to the interval starting at startMs.
func (tr *TargetRun) findInterval(startMs int64, cursor *int) *Interval {
	for *cursor < len(tr.Intervals) {
		iv := &tr.Intervals[*cursor]
		ms := iv.StartNanos / 1e6
		if ms == startMs {
			return iv
		}
		if ms > startMs {
			return nil
		}
		*cursor++
	}
	return nil
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

func (r *Run) readLag(index map[string]int) error {
	return r.eachLine(attack.LagFile, func(_ int, line []byte) error {
		l, ok, err := parseHlogLine(line)
		if err != nil || !ok {
			return err
		}
		t, ok := index[l.Tag]
		if !ok {
			return fmt.Errorf("target %q is not in run.json", l.Tag)
		}
		p := r.phaseAtMs(int64(l.Start*1e3 + 0.5))
		mergeInto(&r.Targets[t].Phases[p].lag, l.Hist)
		return nil
	})
}

func (r *Run) readEvents() error {
	return r.eachLine(attack.EventsFile, func(_ int, line []byte) error {
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
