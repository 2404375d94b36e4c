package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/rundir"
)

// MergeFile is the file a merged run directory gets besides a run's own:
// which shards it was merged from.
const MergeFile = "merge.json"

// MergeInfo is merge.json.
type MergeInfo struct {
	Shards []MergedShard `json:"shards"`
}

// MergedShard is one shard a merged run came from.
type MergedShard struct {
	Dir       string          `json:"dir"`
	Index     int             `json:"index"`
	Seed      int64           `json:"seed"`
	Host      rundir.HostInfo `json:"host"`
	StartTime time.Time       `json:"start_time"`
	Status    string          `json:"status"`
}

// Merge combines the run directories of the shards of one sharded run into
// one run directory at out, as if one machine had sent all their requests.
// Every shard must have run the same scenario (SHA-256), targets, phases
// and interval, and together they must be every shard exactly once.
// Intervals are matched by their offset from each shard's own start.
//
// Histograms (latency, lag, timing) are summed bucket by bucket, which is
// lossless: the merged percentiles are those of one run over the same
// requests. Counters, connection counters included, are summed;
// per-interval lag percentiles are recomputed from the merged lag
// histograms; an instance seen by several shards is one instance (first
// and last seen merged), and new instances per interval are recounted
// from that. Instances per interval and peak in flight are summed, an
// upper bound when shards share execution environments.
//
// It returns the merged run.json and what was skipped while reading (a
// torn last line of a killed shard, a missing file).
func Merge(out string, dirs []string) (*rundir.RunInfo, []string, error) {
	if len(dirs) < 2 {
		return nil, nil, errors.New("merge needs the run directories of two or more shards")
	}
	infos := make([]*rundir.RunInfo, len(dirs))
	for i, d := range dirs {
		info, err := rundir.ReadInfo(d)
		if err != nil {
			return nil, nil, err
		}
		infos[i] = info
	}
	if err := checkShards(dirs, infos); err != nil {
		return nil, nil, err
	}
	merged := mergedInfo(infos)
	w, err := rundir.Create(out)
	if err != nil {
		return nil, nil, err
	}
	if err := w.Begin(merged.StartTime, fmt.Sprintf("merged from %d shards by fnbench merge", len(dirs))); err != nil {
		w.Close()
		return nil, nil, err
	}
	m := &merger{dirs: dirs, w: w, lag: map[lagKey][3]int64{}}
	for _, t := range merged.Targets {
		m.targets = append(m.targets, t.Name)
	}
	if err := m.run(); err != nil {
		w.Close()
		return nil, nil, err
	}
	mi := MergeInfo{}
	for i, info := range infos {
		mi.Shards = append(mi.Shards, MergedShard{Dir: dirs[i], Index: info.Shard.Index, Seed: info.Seed, Host: info.Host,
			StartTime: info.StartTime, Status: info.Status})
	}
	b, err := json.MarshalIndent(mi, "", "  ")
	if err == nil {
		if err = os.WriteFile(filepath.Join(out, MergeFile), append(b, '\n'), 0o644); err != nil {
			err = &rundir.WriteError{Err: err}
		}
	}
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	if err := w.Finish(merged); err != nil {
		return nil, nil, err
	}
	return merged, m.warnings, nil
}

// checkShards rejects runs that are not the shards of one run, saying what
// differs and where.
func checkShards(dirs []string, infos []*rundir.RunInfo) error {
	a, aDir := infos[0], dirs[0]
	seen := map[int]string{}
	for i, b := range infos {
		bDir := dirs[i]
		differ := func(what, x, y string) error {
			return fmt.Errorf("%s and %s are not shards of one run: %s differ (%s vs %s)", aDir, bDir, what, x, y)
		}
		switch {
		case b.ScenarioFile.SHA256 != a.ScenarioFile.SHA256:
			return differ("their scenario files (SHA-256)", short(a.ScenarioFile.SHA256), short(b.ScenarioFile.SHA256))
		case b.IntervalNanos != a.IntervalNanos:
			return differ("their intervals", time.Duration(a.IntervalNanos).String(), time.Duration(b.IntervalNanos).String())
		case b.Arrivals != a.Arrivals:
			return differ("their arrivals", a.Arrivals, b.Arrivals)
		case len(b.Targets) != len(a.Targets):
			return differ("their targets", targetNames(a), targetNames(b))
		case len(b.Phases) != len(a.Phases):
			return differ("their phases", phaseNames(a), phaseNames(b))
		case b.Shard.Count != a.Shard.Count:
			return differ("their shard counts", fmt.Sprint(a.Shard.Count), fmt.Sprint(b.Shard.Count))
		}
		for t := range a.Targets {
			x, y := &a.Targets[t], &b.Targets[t]
			if x.Name != y.Name || x.Kind != y.Kind || x.Provider != y.Provider {
				return differ(fmt.Sprintf("target %d", t+1), x.Name+" ("+x.Kind+", "+x.Provider+")", y.Name+" ("+y.Kind+", "+y.Provider+")")
			}
		}
		for p := range a.Phases {
			x, y := &a.Phases[p], &b.Phases[p]
			if x.Name != y.Name || x.Shape != y.Shape || x.StartNanos != y.StartNanos || x.EndNanos != y.EndNanos {
				return differ(fmt.Sprintf("phase %d", p+1), phaseSpan(x), phaseSpan(y))
			}
		}
		if b.Shard.Count < 2 {
			return fmt.Errorf("%s is a whole run (shard %d of %d), not a shard of a sharded run; merge combines the shards of one run", bDir, b.Shard.Index+1, b.Shard.Count)
		}
		if prev, dup := seen[b.Shard.Index]; dup {
			return fmt.Errorf("%s and %s are both shard %d of %d; give each shard once", prev, bDir, b.Shard.Index+1, b.Shard.Count)
		}
		seen[b.Shard.Index] = bDir
	}
	if len(seen) != a.Shard.Count {
		var missing []string
		for i := range a.Shard.Count {
			if _, ok := seen[i]; !ok {
				missing = append(missing, fmt.Sprint(i+1))
			}
		}
		return fmt.Errorf("the run has %d shards and %d were given: shard %s of %d missing", a.Shard.Count, len(seen), strings.Join(missing, ", "), a.Shard.Count)
	}
	return nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	if sha == "" {
		return "none"
	}
	return sha
}

func targetNames(info *rundir.RunInfo) string {
	var names []string
	for _, t := range info.Targets {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}

func phaseNames(info *rundir.RunInfo) string {
	var names []string
	for _, p := range info.Phases {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func phaseSpan(p *rundir.PhaseInfo) string {
	return fmt.Sprintf("%s %s from %s to %s", p.Name, p.Shape, time.Duration(p.StartNanos), time.Duration(p.EndNanos))
}

// mergedInfo is the merged run's run.json: the first shard's, with the
// earliest start, the latest end, the worst status, the expected requests
// summed, and no shards.
func mergedInfo(infos []*rundir.RunInfo) *rundir.RunInfo {
	m := *infos[0]
	m.Targets = append([]rundir.TargetInfo(nil), infos[0].Targets...)
	m.Phases = append([]rundir.PhaseInfo(nil), infos[0].Phases...)
	m.Shard = rundir.ShardInfo{Index: 0, Count: 1}
	m.ExpectedPerTgt = 0
	m.Forced = nil
	rank := map[string]int{rundir.StatusComplete: 0, rundir.StatusInterrupted: 1, rundir.StatusRunning: 1, rundir.StatusFailed: 2}
	var reasons []string
	for _, info := range infos {
		if info.StartTime.Before(m.StartTime) {
			m.StartTime = info.StartTime
		}
		if info.EndTime.After(m.EndTime) {
			m.EndTime = info.EndTime
		}
		m.ExpectedPerTgt += info.ExpectedPerTgt
		m.Forced = append(m.Forced, info.Forced...)
		status, reason := info.Status, info.StatusReason
		if status == rundir.StatusRunning {
			status, reason = rundir.StatusInterrupted, "killed before it finished"
		}
		if rank[status] > rank[m.Status] || m.Status == rundir.StatusRunning {
			m.Status = status
		}
		if reason != "" {
			reasons = append(reasons, fmt.Sprintf("shard %d: %s", info.Shard.Index+1, reason))
		}
	}
	m.StatusReason = strings.Join(reasons, "; ")
	return &m
}

// merger streams the shards' files into the merged run directory.
type merger struct {
	dirs     []string
	targets  []string
	w        *rundir.Writer
	lag      map[lagKey][3]int64 // merged lag p50, p99, max per interval
	warnings []string
}

type lagKey struct {
	target  string
	startMs int64
}

func (m *merger) run() error {
	if err := m.mergeLog(rundir.LagFile, func(tag string, h *hdr.PackedHistogram, start, end time.Duration) error {
		return m.w.Lag(tag, h, start, end)
	}); err != nil {
		return err
	}
	if err := m.mergeLog(rundir.LatencyFile, func(tag string, h *hdr.PackedHistogram, start, end time.Duration) error {
		target, outcome, _ := strings.Cut(tag, "/")
		return m.w.Latency(target, outcome, h, start, end)
	}); err != nil {
		return err
	}
	if err := m.mergeLog(rundir.TimingFile, func(tag string, h *hdr.PackedHistogram, start, end time.Duration) error {
		target, phase, _ := strings.Cut(tag, "/")
		return m.w.Timing(target, phase, h, start, end)
	}); err != nil {
		return err
	}
	instances, err := m.mergeEvents()
	if err != nil {
		return err
	}
	return m.mergeIntervals(instances)
}

// logHead is one shard's log, one parsed line ahead.
type logHead struct {
	lr   *rundir.LineReader
	dec  rundir.HlogDecoder
	line rundir.HlogLine
	ok   bool
}

func (h *logHead) advance() error {
	for {
		raw, ok, err := h.lr.Next()
		if err != nil || !ok {
			h.ok = false
			return err
		}
		l, ok, err := h.dec.Line(raw)
		if err != nil {
			return h.lr.Wrap(err)
		}
		if ok {
			h.line, h.ok = l, true
			return nil
		}
	}
}

// mergeLog merges one HdrHistogram log of every shard, interval by
// interval (the logs are in time order), summing the histograms of each
// tag. Tags are written in target order, then outcome (or timing phase)
// order. A shard without timing.hlog ran before it: that is no warning.
func (m *merger) mergeLog(name string, write func(tag string, h *hdr.PackedHistogram, start, end time.Duration) error) error {
	var heads []*logHead
	defer func() {
		for _, h := range heads {
			h.lr.Close()
		}
	}()
	for _, d := range m.dirs {
		if name == rundir.TimingFile && !fileExists(d, name) {
			continue
		}
		lr, err := rundir.OpenLines(d, name, &m.warnings)
		if err != nil {
			return err
		}
		if lr == nil {
			continue
		}
		h := &logHead{lr: lr}
		heads = append(heads, h)
		if err := h.advance(); err != nil {
			return err
		}
	}
	lag := name == rundir.LagFile
	for {
		startMs := int64(-1)
		for _, h := range heads {
			if ms := int64(h.line.Start*1e3 + 0.5); h.ok && (startMs < 0 || ms < startMs) {
				startMs = ms
			}
		}
		if startMs < 0 {
			return nil
		}
		sums := map[string]*rundir.Sparse{}
		lengths := map[string]float64{}
		for _, h := range heads {
			for h.ok && int64(h.line.Start*1e3+0.5) == startMs {
				tag := h.line.Tag
				if s := sums[tag]; s != nil {
					sums[tag] = s.Add(h.line.Hist)
				} else {
					sums[tag] = h.line.Hist.Clone() // the decoder reuses its buffers
				}
				lengths[tag] = max(lengths[tag], h.line.Len)
				if err := h.advance(); err != nil {
					return err
				}
			}
		}
		tags := make([]string, 0, len(sums))
		for tag := range sums {
			tags = append(tags, tag)
		}
		sort.Slice(tags, func(i, j int) bool { return m.tagOrder(tags[i]) < m.tagOrder(tags[j]) })
		start := time.Duration(startMs) * time.Millisecond
		for _, tag := range tags {
			s := sums[tag]
			end := start + time.Duration(lengths[tag]*1e3+0.5)*time.Millisecond
			if err := write(tag, packed(s), start, end); err != nil {
				return err
			}
			if lag {
				q := s.Quantiles(50, 99)
				m.lag[lagKey{tag, startMs}] = [3]int64{int64(q[0]), int64(q[1]), int64(s.Max())}
			}
		}
	}
}

// tagOrder sorts tags by target, then outcome or timing phase; unknown
// ones last.
func (m *merger) tagOrder(tag string) int {
	name, kind, _ := strings.Cut(tag, "/")
	t := len(m.targets)
	for i, n := range m.targets {
		if n == name {
			t = i
		}
	}
	const kinds = max(len(rundir.Outcomes), len(rundir.TimingPhases))
	k := rundir.OutcomeIndex(kind)
	if k < 0 {
		k = timingIndex(kind)
	}
	if k < 0 {
		k = kinds
	}
	return t*(kinds+1) + k
}

// packed converts s to a PackedHistogram of fnbench's geometry, for the
// log writer.
func packed(s *rundir.Sparse) *hdr.PackedHistogram {
	p := hdr.NewPacked(rundir.LowestNanos, rundir.HighestNanos, rundir.SigFigs)
	for i, idx := range s.Idx {
		low, _ := s.Geo.Bounds(idx)
		p.RecordValues(min(low, rundir.HighestNanos), s.Cnt[i])
	}
	return p
}

// mergeEvents writes every shard's events, cold starts and error samples
// in time order, then one instance event per distinct instance (first and
// last seen merged). It returns the merged instances per target.
func (m *merger) mergeEvents() (map[string][]rundir.Event, error) {
	var events []rundir.Event
	type instKey struct{ target, id string }
	instances := map[instKey]*rundir.Event{}
	var order []instKey
	for _, d := range m.dirs {
		err := rundir.EachLine(d, rundir.EventsFile, &m.warnings, func(_ int, line []byte) error {
			if len(bytes.TrimSpace(line)) == 0 {
				return nil
			}
			var e rundir.Event
			if err := json.Unmarshal(line, &e); err != nil {
				return err
			}
			if e.Type != rundir.EventInstance {
				events = append(events, e)
				return nil
			}
			k := instKey{e.Target, e.Instance}
			if prev := instances[k]; prev != nil {
				prev.FirstNanos, prev.LastNanos = min(prev.FirstNanos, e.FirstNanos), max(prev.LastNanos, e.LastNanos)
				prev.AtNanos = prev.FirstNanos
				return nil
			}
			instances[k] = &e
			order = append(order, k)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].AtNanos < events[j].AtNanos })
	for i := range events {
		if err := m.w.Event(&events[i]); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return instances[order[i]].FirstNanos < instances[order[j]].FirstNanos })
	byTarget := map[string][]rundir.Event{}
	for _, k := range order {
		e := instances[k]
		if err := m.w.Event(e); err != nil {
			return nil, err
		}
		byTarget[k.target] = append(byTarget[k.target], *e)
	}
	return byTarget, nil
}

// mergeIntervals sums the shards' counters interval by interval (matched
// by target and offset), in time order.
func (m *merger) mergeIntervals(instances map[string][]rundir.Event) error {
	type key struct {
		start  int64
		target int
	}
	sums := map[key]*rundir.IntervalCounts{}
	for _, d := range m.dirs {
		err := rundir.EachLine(d, rundir.IntervalsFile, &m.warnings, func(_ int, line []byte) error {
			var c rundir.IntervalCounts
			if err := json.Unmarshal(line, &c); err != nil {
				return err
			}
			t := m.targetIndex(c.Target)
			if t < 0 {
				return fmt.Errorf("target %q is not in run.json", c.Target)
			}
			k := key{c.StartNanos, t}
			if s := sums[k]; s != nil {
				// addCounts keeps the larger peak; across shards they add up.
				peak, inst := s.PeakInFl+c.PeakInFl, s.Instances+c.Instances
				s.Add(&c)
				s.PeakInFl, s.Instances = peak, inst
				return nil
			}
			sums[k] = &c
			return nil
		})
		if err != nil {
			return err
		}
	}
	keys := make([]key, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].start != keys[j].start {
			return keys[i].start < keys[j].start
		}
		return keys[i].target < keys[j].target
	})
	seq := map[int64]int{}
	for _, k := range keys {
		if _, ok := seq[k.start]; !ok {
			seq[k.start] = len(seq)
		}
	}
	for _, k := range keys {
		c := sums[k]
		c.Seq = seq[k.start]
		if q, ok := m.lag[lagKey{c.Target, c.StartNanos / 1e6}]; ok {
			c.LagP50Ns, c.LagP99Ns, c.LagMaxNs = q[0], q[1], q[2]
		}
		if insts := instances[c.Target]; len(insts) > 0 {
			c.NewInstances = 0
			for _, e := range insts {
				if e.FirstNanos >= c.StartNanos && e.FirstNanos < c.EndNanos {
					c.NewInstances++
				}
			}
		}
		if err := m.w.Interval(c); err != nil {
			return err
		}
	}
	return nil
}

func (m *merger) targetIndex(name string) int {
	for i, n := range m.targets {
		if n == name {
			return i
		}
	}
	return -1
}
