package analyze

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// Verdict is how a threshold fared on one target.
type Verdict string

// Verdicts of a threshold.
const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
	// Inconclusive: too few samples to estimate the metric (p99 from 40
	// requests), or nothing to measure (no step for scale_time).
	Inconclusive Verdict = "inconclusive"
)

// CheckResult is one threshold judged on one target. Values are in the
// metric's unit: nanoseconds for a latency, a fraction for a rate, US
// dollars for a cost.
type CheckResult struct {
	Expr   string `json:"threshold"`
	Target string `json:"target"`
	Phase  string `json:"phase,omitempty"`
	Metric string `json:"metric"`
	Unit   string `json:"unit"` // ns, ratio or usd
	// Builtin marks the built-in checks a run gets without thresholds.
	Builtin bool `json:"builtin,omitempty"`
	Abort   bool `json:"abort,omitempty"`

	Verdict  Verdict `json:"verdict"`
	Observed float64 `json:"observed"`
	Limit    float64 `json:"limit"`
	Op       string  `json:"op"`
	// CI95 brackets the observed value (95%); nil where the metric has
	// none (a cost, a maximum, a status).
	CI95 *[2]float64 `json:"ci95,omitempty"`
	// Samples is what the value was estimated from; Needed, when the
	// verdict is inconclusive for want of samples, how many it takes.
	Samples int64 `json:"samples"`
	Needed  int64 `json:"needed,omitempty"`
	// Window is the sliding window's length (0: the whole span); WindowAt
	// the start of the window the verdict comes from (the worst one).
	Window   time.Duration `json:"window_ns,omitempty"`
	WindowAt time.Duration `json:"window_at_ns,omitempty"`
	Windows  int           `json:"windows,omitempty"` // windows judged
	Note     string        `json:"note,omitempty"`
}

// CheckOptions choose what a run is checked against.
type CheckOptions struct {
	Thresholds []scenarios.Threshold
	// Builtin adds the built-in checks: the run completed, at least 99% of
	// the offered requests were sent, at most 1% of those that completed
	// failed, and the client kept up (ClientBound). A run with no
	// threshold at all gets them unless NoBuiltin.
	NoBuiltin bool
	// InconclusivePasses makes an inconclusive threshold pass the gate;
	// by default it fails it.
	InconclusivePasses bool
}

// CheckReport is the verdicts of a run's thresholds.
type CheckReport struct {
	Results            []CheckResult `json:"results"`
	Passed             int           `json:"passed"`
	Failed             int           `json:"failed"`
	Inconclusive       int           `json:"inconclusive"`
	InconclusivePasses bool          `json:"inconclusive_passes"`
}

// OK reports whether the gate passes: nothing failed, and nothing was
// inconclusive unless that was allowed.
func (c *CheckReport) OK() bool {
	return c.Failed == 0 && (c.Inconclusive == 0 || c.InconclusivePasses)
}

// Built-in limits: what a run must achieve to have measured anything.
const (
	BuiltinMinAchieved  = 0.99
	BuiltinMaxErrorRate = 0.01
)

// BuiltinThresholds are the checks a run gets when it has no thresholds of
// its own: enough of the offered requests sent, few enough failed. (That
// the run completed is checked besides, and that the client kept up with
// each target: see ClientBound.checkResult.)
func BuiltinThresholds() []scenarios.Threshold {
	var out []scenarios.Threshold
	for _, e := range []string{"achieved >= 99%", "error_rate <= 1%"} {
		th, err := scenarios.ParseThreshold(e)
		if err != nil {
			panic(err)
		}
		out = append(out, th)
	}
	return out
}

// Check judges a summarised run against thresholds. Without a scope a
// threshold applies to each target separately. A scope that names no
// target or phase of the run is an error.
func Check(s *Summary, o CheckOptions) (*CheckReport, error) {
	rep := &CheckReport{InconclusivePasses: o.InconclusivePasses}
	if s.Run.Status == rundir.StatusAborted {
		// A threshold was lost for certain mid-run: the gate fails
		// whatever the partial data say.
		rep.add(s.statusResult())
	} else if !o.NoBuiltin && len(o.Thresholds) == 0 {
		rep.add(s.statusResult())
		for _, th := range BuiltinThresholds() {
			for i := range s.Tables {
				r := s.judge(th, i)
				r.Builtin = true
				rep.add(r)
			}
		}
		for _, ts := range s.Tables {
			if r, ok := ts.Client.errorCheck(ts.Target.Name); ok {
				rep.add(r)
			}
			if r, ok := ts.Client.checkResult(ts.Target.Name); ok {
				rep.add(r)
			}
		}
	}
	for _, th := range o.Thresholds {
		targets, err := s.scope(th)
		if err != nil {
			return nil, err
		}
		for _, i := range targets {
			rep.add(s.judge(th, i))
		}
	}
	return rep, nil
}

func (c *CheckReport) add(r CheckResult) {
	c.Results = append(c.Results, r)
	switch r.Verdict {
	case Pass:
		c.Passed++
	case Fail:
		c.Failed++
	default:
		c.Inconclusive++
	}
}

// statusResult is the built-in check that the run ran to its end.
func (s *Summary) statusResult() CheckResult {
	r := CheckResult{Expr: "run completed", Metric: "status", Unit: "status", Builtin: true, Verdict: Pass, Op: "=", Note: "status " + s.Run.Status}
	switch {
	case s.Run.Killed:
		r.Note = "status interrupted (killed)"
	case s.Run.Info.StatusReason != "":
		r.Note += ": " + s.Run.Info.StatusReason
	}
	if s.Run.Status != rundir.StatusComplete {
		r.Verdict = Fail
	}
	return r
}

// scope lists the targets a threshold applies to, and checks its phase.
func (s *Summary) scope(th scenarios.Threshold) ([]int, error) {
	if th.Phase != "" && !slices.ContainsFunc(s.Run.Info.Phases, func(p rundir.PhaseInfo) bool { return p.Name == th.Phase }) {
		var names []string
		for _, p := range s.Run.Info.Phases {
			names = append(names, p.Name)
		}
		return nil, fmt.Errorf("threshold %q: the run has no phase %q; its phases are %s", th.Expr, th.Phase, strings.Join(names, ", "))
	}
	var out []int
	for i, ts := range s.Tables {
		if th.Target == "" || ts.Target.Name == th.Target {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		var names []string
		for _, ts := range s.Tables {
			names = append(names, ts.Target.Name)
		}
		return nil, fmt.Errorf("threshold %q: the run has no target %q; its targets are %s", th.Expr, th.Target, strings.Join(names, ", "))
	}
	return out, nil
}

// judge evaluates one threshold on target i.
func (s *Summary) judge(th scenarios.Threshold, i int) CheckResult {
	r := CheckResult{Expr: th.Expr, Target: s.Tables[i].Target.Name, Phase: th.Phase, Metric: th.Metric.Name,
		Unit: unitOf(th.Metric.Kind), Abort: th.Abort, Op: th.Op.String(), Limit: th.Value, Window: th.Window}
	sp := s.span(i, th.Phase)
	var m measure
	if th.Window > 0 {
		m = s.worstWindow(th, sp, &r)
	} else {
		m = s.measure(th.Metric, sp)
	}
	r.Observed, r.Samples, r.Needed, r.Note = m.value, m.samples, m.needed, joinNotes(r.Note, m.note)
	if m.hasCI {
		r.CI95 = &[2]float64{m.low, m.high}
	}
	switch {
	case !m.ok:
		r.Verdict = Inconclusive
	case m.isRange && th.Op.Holds(m.low, th.Value) != th.Op.Holds(m.high, th.Value):
		r.Verdict = Inconclusive
		r.Note = joinNotes(r.Note, "the cost is a range that spans the limit; measure what decides it (see the bill's notes)")
	case th.Op.Holds(m.value, th.Value):
		r.Verdict = Pass
	default:
		r.Verdict = Fail
	}
	return r
}

func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func unitOf(k scenarios.MetricKind) string {
	switch k {
	case scenarios.KindRate:
		return "ratio"
	case scenarios.KindCost:
		return "usd"
	}
	return "ns"
}

// span is what a threshold looks at: one target over the whole run or one
// phase of it.
type span struct {
	s      *Summary
	target int
	phase  int // -1 for the whole run
}

func (s *Summary) span(target int, phase string) span {
	sp := span{s: s, target: target, phase: -1}
	for i, p := range s.Run.Info.Phases {
		if p.Name == phase && phase != "" {
			sp.phase = i
		}
	}
	return sp
}

func (sp span) row() *Row {
	ts := &sp.s.Tables[sp.target]
	if sp.phase < 0 {
		return &ts.Total
	}
	return &ts.Phases[sp.phase]
}

func (sp span) run() *TargetRun { return sp.s.Run.Targets[sp.target] }

// in reports whether an interval lies in the span.
func (sp span) in(iv *Interval) bool { return sp.phase < 0 || iv.Phase == sp.phase }

// measure is a metric's value over a span, with its 95% interval.
type measure struct {
	ok              bool // estimable
	value           float64
	hasCI           bool
	low, high       float64
	samples, needed int64
	note            string
	// isRange: low and high are the ends of a cost range, not an interval
	// around value; the verdict holds only if it holds at both.
	isRange bool
}

// measure evaluates a metric over a whole span.
func (s *Summary) measure(m scenarios.Metric, sp span) measure {
	c := sp.row().IntervalCounts
	switch m.Kind {
	case scenarios.KindRate:
		return rateMeasure(m.Name, &c)
	case scenarios.KindCost:
		return s.costMeasure(sp)
	}
	if m.Name == "scale_time" {
		return s.scaleMeasure(sp)
	}
	return quantileMeasure(m, s.latencyDist(m, sp, nil))
}

// rateMeasure is a rate metric from counters, with its Wilson interval.
func rateMeasure(name string, c *rundir.IntervalCounts) measure {
	var num, den int64
	switch name {
	case "error_rate":
		num, den = c.TargetErrors()
	case "throttle_rate":
		num, den = c.Classes[rundir.ClassThrottled], c.Completed
	case "cold_rate":
		num, den = c.Cold, c.Warm+c.Cold
	case "not_sent_rate":
		num, den = c.NotSent, c.Offered
	case "achieved":
		num, den = c.Sent, c.Offered
	}
	if den == 0 {
		return measure{note: "no requests to count"}
	}
	lo, hi := wilson(num, den)
	return measure{ok: true, value: float64(num) / float64(den), hasCI: true, low: lo, high: hi, samples: den}
}

// wilson is the Wilson score interval at 95% of k successes in n trials.
func wilson(k, n int64) (lo, hi float64) {
	const z = 1.959963984540054
	nf, p := float64(n), float64(k)/float64(n)
	denom := 1 + z*z/nf
	mid := (p + z*z/(2*nf)) / denom
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / denom
	return max(0, mid-half), min(1, mid+half)
}

// costMeasure is the target's measured cost per million requests. The
// phase scope does not apply: a bill is drawn up for the run.
func (s *Summary) costMeasure(sp span) measure {
	tc := s.Tables[sp.target].Cost
	if !tc.Priced || tc.Bill == nil {
		return measure{note: "not priced: " + tc.Reason}
	}
	v := tc.Bill.PerMillionUSD.Float64()
	m := measure{ok: true, value: v, samples: sp.row().Completed}
	switch b := tc.Bill; {
	case b.High != nil:
		// A range: judged at both ends; shown at the upper.
		m.isRange, m.hasCI, m.low, m.high, m.value = true, true, v, b.High.PerMillionUSD.Float64(), b.High.PerMillionUSD.Float64()
		m.note = "a range, shown at its upper end"
	case !tc.Measured:
		m.note = "estimated from client latency (an upper bound)"
	}
	if sp.phase >= 0 {
		m.note = joinNotes(m.note, "the cost is the whole run's")
	}
	return m
}

// scaleMeasure is the longest time to scale after a step or spike in the
// span; a step that never recovered is as long as its window.
func (s *Summary) scaleMeasure(sp span) measure {
	m := measure{ok: true}
	steps := 0
	for _, st := range s.Tables[sp.target].Scaling.Steps {
		if sp.phase >= 0 && st.Phase != s.Run.Info.Phases[sp.phase].Name {
			continue
		}
		steps++
		d := st.Window
		if st.TimeToScale != nil {
			d = *st.TimeToScale
		} else {
			m.note = "latency did not recover after a step"
		}
		m.value = max(m.value, float64(d))
	}
	if steps == 0 {
		return measure{note: "no step or spike to scale to"}
	}
	m.samples = int64(steps)
	return m
}

// latencyDist is a latency metric's distribution over the span, or over
// the intervals in keep when it is not nil.
func (s *Summary) latencyDist(m scenarios.Metric, sp span, keep func(iv *Interval) bool) Dist {
	tr := sp.run()
	if m.Group == "init" {
		h := rundir.NewHistogram()
		for _, e := range s.Run.Events {
			if e.Type != rundir.EventColdStart || e.Target != tr.Info.Name || e.InitNanos <= 0 || !sp.covers(e.AtNanos) {
				continue
			}
			if keep == nil || keep(&Interval{IntervalCounts: rundir.IntervalCounts{StartNanos: e.AtNanos, EndNanos: e.AtNanos}}) {
				h.RecordValue(rundir.ClampNanos(e.InitNanos))
			}
		}
		return DistOf(h)
	}
	h := rundir.NewHist()
	for p, pr := range tr.Phases {
		if sp.phase >= 0 && p != sp.phase {
			continue
		}
		if m.Group == "lag" {
			h.Add(pr.lag)
			continue
		}
		for _, o := range outcomesOf(m.Group) {
			h.Add(pr.latency[o])
		}
	}
	return distOf(h)
}

// outcomesOf lists the outcomes (indexes of rundir.Outcomes) whose latency
// a metric's population holds: the successes, or only the cold or the warm
// ones.
func outcomesOf(group string) []int {
	switch group {
	case "cold":
		return []int{rundir.IndexCold}
	case "warm":
		return []int{rundir.IndexWarm}
	}
	return []int{rundir.IndexWarm, rundir.IndexCold}
}

// covers reports whether an offset on the run's timeline lies in the span.
func (sp span) covers(at int64) bool {
	if sp.phase < 0 {
		return true
	}
	p := sp.s.Run.Info.Phases[sp.phase]
	return at >= p.StartNanos && at < p.EndNanos
}

// quantileMeasure estimates a percentile (100: the maximum) of d with its
// order-statistic interval. Too few values to bound the interval on both
// sides is inconclusive, with the number it takes.
func quantileMeasure(m scenarios.Metric, d Dist) measure {
	n := d.Count()
	if n == 0 {
		return measure{note: "no requests to measure", needed: SamplesNeeded(m.Percentile)}
	}
	if m.Percentile >= 100 {
		return measure{ok: true, value: float64(d.Max()), samples: n}
	}
	q := m.Percentile / 100
	ci := d.QuantileCI(q, CILevel)
	me := measure{value: float64(d.Percentile(m.Percentile)), samples: n, hasCI: true, low: float64(ci.Low), high: float64(ci.High)}
	if ci.Open != "" {
		me.needed = SamplesNeeded(m.Percentile)
		me.note = fmt.Sprintf("%d samples cannot bound %s; it takes %d", n, m.Name, me.needed)
		return me
	}
	me.ok = true
	return me
}

// SamplesNeeded is the fewest values whose p-th percentile (0 < p < 100)
// has a 95% interval bounded on both sides.
func SamplesNeeded(p float64) int64 {
	if p >= 100 || p <= 0 {
		return 1
	}
	q := p / 100
	bounded := func(n int64) bool {
		lo, hi := binomialRanks(n, q, CILevel)
		return lo >= 1 && hi <= n
	}
	hi := int64(1)
	for !bounded(hi) {
		hi *= 2
		if hi > 1<<40 {
			return hi
		}
	}
	lo := hi / 2
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if bounded(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// worstWindow judges a threshold in every window of th.Window that fits in
// the span, sliding one interval at a time, and returns the worst window's
// measure (the first that fails, if any does); r learns where it lies. A
// window with too few samples to estimate is skipped; when every one is,
// the threshold is inconclusive. A span shorter than the window is judged
// whole.
func (s *Summary) worstWindow(th scenarios.Threshold, sp span, r *CheckResult) measure {
	if th.Metric.Kind == scenarios.KindCost || th.Metric.Name == "scale_time" {
		m := s.measure(th.Metric, sp)
		m.note = joinNotes(m.note, th.Metric.Name+" has no windows: judged over the whole span")
		return m
	}
	var ivs []*Interval
	for k := range sp.run().Intervals {
		if iv := &sp.run().Intervals[k]; sp.in(iv) {
			ivs = append(ivs, iv)
		}
	}
	if len(ivs) == 0 {
		return measure{note: "no intervals in the span"}
	}
	hists := s.intervalHists(th.Metric, sp)
	w := int64(th.Window)
	var worst measure
	found, skipped := false, 0
	first := 0
	judged := 0
	for last := range ivs {
		end := ivs[last].EndNanos
		for ivs[first].StartNanos < end-w {
			first++
		}
		if end-ivs[0].StartNanos < w && last < len(ivs)-1 {
			continue // not a whole window yet
		}
		if end-ivs[0].StartNanos < w {
			first = 0 // the span is shorter than the window: judge it whole
		}
		m := s.windowMeasure(th.Metric, sp, ivs[first:last+1], hists)
		if !m.ok {
			skipped++
			if !found && worst.needed == 0 {
				worst = m
			}
			continue
		}
		judged++
		if !found || worse(th.Op, m.value, worst.value) {
			worst, found = m, true
			r.WindowAt = time.Duration(ivs[first].StartNanos)
		}
	}
	r.Windows = judged
	if skipped > 0 && found {
		worst.note = joinNotes(worst.note, fmt.Sprintf("%d windows with too few samples skipped", skipped))
	}
	return worst
}

// worse reports whether a is worse than b for a comparison.
func worse(op scenarios.Op, a, b float64) bool {
	if op.UpperBound() {
		return a > b
	}
	return a < b
}

// windowMeasure is a metric over a run of consecutive intervals.
func (s *Summary) windowMeasure(m scenarios.Metric, sp span, ivs []*Interval, hists map[int64]*rundir.Sparse) measure {
	if m.Kind == scenarios.KindRate {
		var c rundir.IntervalCounts
		for _, iv := range ivs {
			c.Add(&iv.IntervalCounts)
		}
		return rateMeasure(m.Name, &c)
	}
	from, to := ivs[0].StartNanos, ivs[len(ivs)-1].EndNanos
	if m.Group == "init" {
		return quantileMeasure(m, s.latencyDist(m, sp, func(iv *Interval) bool { return iv.StartNanos >= from && iv.StartNanos < to }))
	}
	h := rundir.NewHist()
	for _, iv := range ivs {
		if sh := hists[iv.StartNanos/1e6]; sh != nil {
			h.AddSparse(sh)
		}
	}
	return quantileMeasure(m, distOf(h))
}

// intervalHists reads one target's histograms of a latency metric per
// interval (keyed by the interval's start in ms) from the run's logs:
// the loaded run keeps only per-interval percentiles.
func (s *Summary) intervalHists(m scenarios.Metric, sp span) map[int64]*rundir.Sparse {
	out := map[int64]*rundir.Sparse{}
	if m.Kind != scenarios.KindLatency || m.Group == "init" {
		return out
	}
	name := sp.run().Info.Name
	file, tags := rundir.LagFile, []string{name}
	if m.Group != "lag" {
		file, tags = rundir.LatencyFile, nil
		for _, o := range outcomesOf(m.Group) {
			tags = append(tags, name+"/"+rundir.Outcomes[o])
		}
	}
	var dec rundir.HlogDecoder
	var warn []string
	rundir.EachLine(s.Run.Dir, file, &warn, func(_ int, line []byte) error {
		l, ok, err := dec.Line(line)
		if err != nil || !ok || !slices.Contains(tags, l.Tag) {
			return nil // Load read this file already and reported its faults
		}
		ms := int64(l.Start*1e3 + 0.5)
		if prev := out[ms]; prev != nil {
			out[ms] = prev.Add(l.Hist)
		} else {
			out[ms] = l.Hist.Clone()
		}
		return nil
	})
	return out
}
