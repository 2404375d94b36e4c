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
	// MaxSkewNs is the largest difference between two shards' starts, in
	// true time as far as SkewBasis allows: rundir.ClockNTP (every shard's
	// clock was disciplined, its offset corrected and its error bound
	// added), rundir.ClockSameHost (one clock), or SkewOwnClocks.
	// Zero and "" when the shards did not start on an agreed instant.
	MaxSkewNs int64  `json:"max_skew_ns"`
	SkewBasis string `json:"skew_basis,omitempty"`
	// Warnings say which shards fell behind, started late or ended early.
	Warnings []string `json:"warnings,omitempty"`
}

// SkewOwnClocks is the skew basis of shards whose clocks were not all
// known to be synchronized: each shard's own clock, of unknown offset, so
// the true skew could be larger by the clocks' offsets.
const SkewOwnClocks = "clocks"

// MergedShard is one shard a merged run came from, and how it kept up.
type MergedShard struct {
	Dir       string          `json:"dir"`
	Index     int             `json:"index"`
	Seed      int64           `json:"seed"`
	Host      rundir.HostInfo `json:"host"`
	StartTime time.Time       `json:"start_time"`
	Status    string          `json:"status"`
	// Partial: the shard was killed or interrupted, so the merged run
	// holds only the part of its arrivals it recorded.
	Partial bool `json:"partial"`
	// Its requests over all targets, as its intervals counted them, over
	// DurationNs (from time zero to its last interval's end).
	Offered    int64 `json:"offered"`
	Sent       int64 `json:"sent"`
	NotSent    int64 `json:"not_sent"`
	Completed  int64 `json:"completed"`
	DurationNs int64 `json:"duration_ns"`
	// OfferedRate and AchievedRate are requests per second, all targets.
	OfferedRate  float64 `json:"offered_rps"`
	AchievedRate float64 `json:"achieved_rps"`
	// LagP99Ns and LagMaxNs: its schedule lag over the whole run;
	// ClientBound counts its intervals where the client was the
	// bottleneck (rundir.IntervalCounts.ClientLimited).
	LagP99Ns    int64 `json:"lag_p99_ns"`
	LagMaxNs    int64 `json:"lag_max_ns"`
	ClientBound int   `json:"client_bound_intervals"`
	// Clock is the shard's run.json clock (an agreed start); SkewNs its
	// start after the earliest shard's, on MergeInfo.SkewBasis.
	Clock  *rundir.ClockInfo `json:"clock,omitempty"`
	SkewNs int64             `json:"skew_ns"`
	// Behind says how the shard fell behind its schedule, "" when it kept
	// up: it sent under 99% of what it was offered, or its lag p99 passed
	// ClientLagFloor.
	Behind string `json:"behind,omitempty"`
}

// ReadMergeInfo reads merge.json of a merged run directory; nil, nil when
// dir is not a merged run.
func ReadMergeInfo(dir string) (*MergeInfo, error) {
	b, err := os.ReadFile(filepath.Join(dir, MergeFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var mi MergeInfo
	if err := json.Unmarshal(b, &mi); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, MergeFile), err)
	}
	return &mi, nil
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
	m := &merger{dirs: dirs, w: w, lag: map[lagKey][3]int64{}, shards: make([]shardTally, len(dirs))}
	for _, t := range merged.Targets {
		m.targets = append(m.targets, t.Name)
	}
	if err := m.run(); err != nil {
		w.Close()
		return nil, nil, err
	}
	mi := m.mergeInfo(infos)
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
		case b.Seed != a.Seed:
			return differ("their seeds", fmt.Sprint(a.Seed), fmt.Sprint(b.Seed))
		case (a.Clock == nil) != (b.Clock == nil) || a.Clock != nil && !a.Clock.StartAt.Equal(b.Clock.StartAt):
			return differ("their agreed starts (--start-at)", startAt(a), startAt(b))
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

func startAt(info *rundir.RunInfo) string {
	if info.Clock == nil {
		return "none"
	}
	return info.Clock.StartAt.Format(time.RFC3339Nano)
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
	shards   []shardTally // per dir
}

// shardTally is what the merger counts of each shard on its way through.
type shardTally struct {
	offered, sent, notSent, completed, endNs int64
	clientBound                              int
	lag                                      *rundir.Sparse
}

// mergeInfo is merge.json: each shard, how it kept up, and the start
// skew.
func (m *merger) mergeInfo(infos []*rundir.RunInfo) MergeInfo {
	var mi MergeInfo
	// A shard's start in true time: its time zero less its clock's
	// offset. The basis is the weakest of the shards' offset sources.
	// (checkShards saw that all shards have a clock, or none.)
	basis := rundir.ClockSameHost
	if infos[0].Clock == nil {
		basis = ""
	}
	for _, info := range infos {
		if basis == "" {
			break
		}
		switch info.Clock.OffsetSource {
		case rundir.ClockSameHost:
		case rundir.ClockNTP:
			if basis == rundir.ClockSameHost {
				basis = rundir.ClockNTP
			}
		default:
			basis = SkewOwnClocks
		}
	}
	trueStart := func(info *rundir.RunInfo) time.Time {
		t := info.StartTime
		if basis == rundir.ClockNTP && info.Clock != nil {
			t = t.Add(-time.Duration(info.Clock.OffsetNs))
		}
		return t
	}
	earliest := trueStart(infos[0])
	for _, info := range infos[1:] {
		if t := trueStart(info); t.Before(earliest) {
			earliest = t
		}
	}
	var errBound int64
	for i, info := range infos {
		t := &m.shards[i]
		s := MergedShard{Dir: m.dirs[i], Index: info.Shard.Index, Seed: info.Seed, Host: info.Host,
			StartTime: info.StartTime, Status: info.Status, Clock: info.Clock,
			Partial: info.Status != rundir.StatusComplete,
			Offered: t.offered, Sent: t.sent, NotSent: t.notSent, Completed: t.completed, DurationNs: t.endNs,
			ClientBound: t.clientBound}
		if secs := float64(t.endNs) / 1e9; secs > 0 {
			s.OfferedRate, s.AchievedRate = float64(t.offered)/secs, float64(t.sent)/secs
		}
		if t.lag != nil && t.lag.Total > 0 {
			s.LagP99Ns, s.LagMaxNs = int64(t.lag.Quantiles(99)[0]), int64(t.lag.Max())
		}
		if basis != "" {
			s.SkewNs = int64(trueStart(info).Sub(earliest))
			mi.MaxSkewNs = max(mi.MaxSkewNs, s.SkewNs)
			if basis == rundir.ClockNTP {
				errBound = max(errBound, info.Clock.OffsetErrorNs)
			}
		}
		var behind []string
		if s.Offered > 0 && float64(s.Sent) < 0.99*float64(s.Offered) {
			behind = append(behind, fmt.Sprintf("sent %d of %d offered (%.1f%%)", s.Sent, s.Offered, 100*float64(s.Sent)/float64(s.Offered)))
		}
		if s.LagP99Ns > int64(ClientLagFloor) {
			behind = append(behind, fmt.Sprintf("schedule lag p99 %s", time.Duration(s.LagP99Ns).Round(time.Millisecond)))
		}
		s.Behind = strings.Join(behind, ", ")
		name := fmt.Sprintf("shard %d of %d (%s)", info.Shard.Index+1, info.Shard.Count, info.Host.Hostname)
		if s.Behind != "" {
			mi.Warnings = append(mi.Warnings, fmt.Sprintf("%s fell behind its schedule: %s; its requests went out late and their latencies are partly its own: give each shard more CPU, or run more shards", name, s.Behind))
		}
		if info.Clock != nil && info.Clock.StartErrorNs > int64(10*time.Millisecond) {
			mi.Warnings = append(mi.Warnings, fmt.Sprintf("%s started %s after the agreed instant %s: it was not ready (image pull, scheduling); start the run later (--start-delay)",
				name, time.Duration(info.Clock.StartErrorNs).Round(time.Millisecond), info.Clock.StartAt.Format(time.RFC3339)))
		}
		if s.Partial {
			mi.Warnings = append(mi.Warnings, fmt.Sprintf("%s is partial (%s): the merged run holds only the %d requests it recorded", name, statusWord(info), s.Sent))
		}
		mi.Shards = append(mi.Shards, s)
	}
	mi.SkewBasis = basis
	mi.MaxSkewNs += errBound // each clock's error bound, once: a bound, not an estimate
	if basis == SkewOwnClocks {
		mi.Warnings = append(mi.Warnings, "the shards' clocks were not known to be synchronized (no NTP discipline seen): the start skew is by their own clocks and may be larger by their offsets")
	}
	return mi
}

func statusWord(info *rundir.RunInfo) string {
	if info.Status == rundir.StatusRunning {
		return "killed before it finished"
	}
	if info.StatusReason != "" {
		return info.Status + ": " + info.StatusReason
	}
	return info.Status
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
	shard int // index into merger.dirs
	lr    *rundir.LineReader
	dec   rundir.HlogDecoder
	line  rundir.HlogLine
	ok    bool
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
	for i, d := range m.dirs {
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
		h := &logHead{lr: lr, shard: i}
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
				if lag {
					t := &m.shards[h.shard]
					if t.lag == nil {
						t.lag = h.line.Hist.Clone()
					} else {
						t.lag = t.lag.Add(h.line.Hist)
					}
				}
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
	for i, d := range m.dirs {
		tally := &m.shards[i]
		err := rundir.EachLine(d, rundir.IntervalsFile, &m.warnings, func(_ int, line []byte) error {
			var c rundir.IntervalCounts
			if err := json.Unmarshal(line, &c); err != nil {
				return err
			}
			tally.offered += c.Offered
			tally.sent += c.Sent
			tally.notSent += c.NotSent
			tally.completed += c.Completed
			tally.endNs = max(tally.endNs, c.EndNanos)
			if c.ClientLimited {
				tally.clientBound++
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
