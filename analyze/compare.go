package analyze

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// ChangeVerdict is what a comparison concludes about one metric.
type ChangeVerdict string

// Verdicts of a comparison.
const (
	Regression ChangeVerdict = "regression" // significantly worse, by more than the tolerance
	Improved   ChangeVerdict = "improved"   // significantly better, by more than the tolerance
	Unchanged  ChangeVerdict = "unchanged"  // no change beyond the tolerance, with confidence
	// Undecided: the data can neither rule a change beyond the tolerance in
	// nor out; Needed says how many requests would.
	Undecided ChangeVerdict = "inconclusive"
)

// Tolerance is how much worse a metric may get before it is a regression:
// a relative change for latencies (0.10 for 10%), a difference in
// percentage points, as a fraction, for rates (0.005 for 0.5pp).
type Tolerance map[string]float64

// DefaultTolerance is what compare allows without --tolerance.
func DefaultTolerance() Tolerance {
	return Tolerance{"p50": 0.10, "p90": 0.10, "p99": 0.10, "cold.p50": 0.15, "error_rate": 0.005, "throttle_rate": 0.005}
}

// ParseTolerance reads "p99=10%,cold.p50=15%,error_rate=0.5pp" over the
// defaults. A latency takes %; a rate takes pp (or %, read as points).
func ParseTolerance(s string) (Tolerance, error) {
	t := DefaultTolerance()
	if strings.TrimSpace(s) == "" {
		return t, nil
	}
	for _, item := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, fmt.Errorf("tolerance %q: want metric=value, like p99=10%% or error_rate=0.5pp", item)
		}
		m, err := scenarios.ParseMetric(name)
		if err != nil {
			return nil, fmt.Errorf("tolerance %q: unknown metric %q", item, name)
		}
		kind := m.Kind
		if kind == scenarios.KindCost || name == "scale_time" || name == "achieved" || name == "not_sent_rate" {
			return nil, fmt.Errorf("tolerance %q: compare does not compare %s", item, name)
		}
		var num string
		switch {
		case kind == scenarios.KindRate && strings.HasSuffix(val, "pp"):
			num = strings.TrimSuffix(val, "pp")
		case strings.HasSuffix(val, "%"):
			num = strings.TrimSuffix(val, "%")
		default:
			unit := "%"
			if kind == scenarios.KindRate {
				unit = "pp"
			}
			return nil, fmt.Errorf("tolerance %q: give the value in %s, like %s=10%s", item, unit, name, unit)
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("tolerance %q: %q is not a non-negative number", item, num)
		}
		t[name] = v / 100
	}
	return t, nil
}

// CompareOptions choose what is compared and how.
type CompareOptions struct {
	// Pairs pairs targets baseline:candidate; nil pairs like-named ones.
	Pairs [][2]string
	// Tolerance per metric; nil means DefaultTolerance. Its keys are the
	// metrics compared.
	Tolerance Tolerance
	// Resamples is the bootstrap's (default 2,000); Seed makes it
	// repeatable (default 1).
	Resamples int
	Seed      uint64
}

// Comparison is a candidate run against a baseline.
type Comparison struct {
	Baseline  string            `json:"baseline"`  // run directories
	Candidate string            `json:"candidate"` //
	Pairs     []PairComparison  `json:"pairs"`
	Counts    map[string]int    `json:"counts"` // metrics by verdict
	Tolerance map[string]string `json:"tolerance"`
}

// Regressed reports whether any metric regressed.
func (c *Comparison) Regressed() bool { return c.Counts[string(Regression)] > 0 }

// PairComparison compares one baseline target with one candidate target.
type PairComparison struct {
	Baseline  string         `json:"baseline_target"`
	Candidate string         `json:"candidate_target"`
	Metrics   []MetricChange `json:"metrics"`
}

// MetricChange is one metric of one pair. Latencies are in nanoseconds and
// change relatively (0.2 is 20% slower); rates are fractions and change by
// their difference (0.01 is one percentage point more).
type MetricChange struct {
	Metric    string        `json:"metric"`
	Unit      string        `json:"unit"` // ns or ratio
	Baseline  float64       `json:"baseline"`
	Candidate float64       `json:"candidate"`
	Change    float64       `json:"change"`
	Relative  bool          `json:"relative"` // Change is relative (latency), else a difference (rate)
	CI95      [2]float64    `json:"ci95"`     // of Change
	Tolerance float64       `json:"tolerance"`
	Verdict   ChangeVerdict `json:"verdict"`
	// Samples are the requests each side's estimate rests on; Needed, when
	// inconclusive, about how many each run would need.
	Samples [2]int64 `json:"samples"`
	Needed  int64    `json:"needed,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// Compare compares a candidate run with a baseline, target pair by target
// pair: each metric's change with its 95% interval (a block bootstrap over
// the interval histograms for percentiles, so that neighbouring intervals'
// likeness is respected; Newcombe's interval for rates) and a verdict.
func Compare(base, cand *Summary, o CompareOptions) (*Comparison, error) {
	if o.Tolerance == nil {
		o.Tolerance = DefaultTolerance()
	}
	if o.Resamples <= 0 {
		o.Resamples = 2000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	pairs, err := pairTargets(base, cand, o.Pairs)
	if err != nil {
		return nil, err
	}
	c := &Comparison{Baseline: base.Run.Dir, Candidate: cand.Run.Dir, Counts: map[string]int{}, Tolerance: map[string]string{}}
	metrics := make([]scenarios.Metric, 0, len(o.Tolerance))
	for name, v := range o.Tolerance {
		m, err := scenarios.ParseMetric(name)
		if err != nil {
			return nil, fmt.Errorf("tolerance for %q: %w", name, err)
		}
		metrics = append(metrics, m)
		c.Tolerance[name] = toleranceText(m, v)
	}
	sort.Slice(metrics, func(i, j int) bool { return metricLess(metrics[i], metrics[j]) })
	for _, p := range pairs {
		pc := PairComparison{Baseline: base.Tables[p[0]].Target.Name, Candidate: cand.Tables[p[1]].Target.Name}
		for k, m := range metrics {
			rng := rand.New(rand.NewPCG(o.Seed, uint64(len(pc.Metrics)+k)))
			mc := compareMetric(m, span{s: base, target: p[0], phase: -1}, span{s: cand, target: p[1], phase: -1}, o.Tolerance[m.Name], o.Resamples, rng)
			c.Counts[string(mc.Verdict)]++
			pc.Metrics = append(pc.Metrics, mc)
		}
		c.Pairs = append(c.Pairs, pc)
	}
	return c, nil
}

func toleranceText(m scenarios.Metric, v float64) string {
	if m.Kind == scenarios.KindRate {
		return strconv.FormatFloat(100*v, 'g', -1, 64) + "pp"
	}
	return strconv.FormatFloat(100*v, 'g', -1, 64) + "%"
}

// metricLess orders latencies by population, then percentile, and rates
// after them by name.
func metricLess(a, b scenarios.Metric) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Group != b.Group {
		return a.Group < b.Group
	}
	if a.Percentile != b.Percentile {
		return a.Percentile < b.Percentile
	}
	return a.Name < b.Name
}

// pairTargets pairs targets by name, or as given.
func pairTargets(base, cand *Summary, given [][2]string) ([][2]int, error) {
	index := func(s *Summary, name string) int {
		for i, ts := range s.Tables {
			if ts.Target.Name == name {
				return i
			}
		}
		return -1
	}
	names := func(s *Summary) string {
		var out []string
		for _, ts := range s.Tables {
			out = append(out, ts.Target.Name)
		}
		return strings.Join(out, ", ")
	}
	var out [][2]int
	if len(given) > 0 {
		for _, g := range given {
			b, c := index(base, g[0]), index(cand, g[1])
			switch {
			case b < 0:
				return nil, fmt.Errorf("--pair %s:%s: the baseline has no target %q; its targets are %s", g[0], g[1], g[0], names(base))
			case c < 0:
				return nil, fmt.Errorf("--pair %s:%s: the candidate has no target %q; its targets are %s", g[0], g[1], g[1], names(cand))
			}
			out = append(out, [2]int{b, c})
		}
		return out, nil
	}
	for b, ts := range base.Tables {
		if c := index(cand, ts.Target.Name); c >= 0 {
			out = append(out, [2]int{b, c})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no target of the baseline (%s) is in the candidate (%s); pair them with --pair base:cand", names(base), names(cand))
	}
	return out, nil
}

// compareMetric compares one metric of two spans.
func compareMetric(m scenarios.Metric, b, c span, tol float64, resamples int, rng *rand.Rand) MetricChange {
	mc := MetricChange{Metric: m.Name, Unit: unitOf(m.Kind), Tolerance: tol}
	if m.Kind == scenarios.KindRate {
		compareRate(&mc, b, c)
	} else {
		compareQuantile(&mc, m, b, c, resamples, rng)
	}
	if mc.Verdict == "" {
		mc.Verdict = decide(&mc)
	}
	return mc
}

// decide turns a change and its interval into a verdict: significant
// (the interval excludes no change) and beyond the tolerance is a
// regression or an improvement; an interval that lies within the
// tolerance on both sides is no change; anything else cannot tell, and
// says about how many requests would narrow the interval (it narrows as
// 1/√n) to fit the tolerance.
func decide(mc *MetricChange) ChangeVerdict {
	lo, hi, tol := mc.CI95[0], mc.CI95[1], mc.Tolerance
	switch {
	case lo > 0 && mc.Change > tol:
		return Regression
	case hi < 0 && mc.Change < -tol:
		return Improved
	case hi <= tol && lo >= -tol:
		return Unchanged
	}
	// More requests narrow the interval as 1/√n. A change beyond the
	// tolerance needs the side towards no change to clear zero; one well
	// within it needs the whole interval inside the tolerance; one at the
	// tolerance's edge would take too many to be worth saying.
	var reach, room float64
	switch abs := math.Abs(mc.Change); {
	case abs > tol*5/4:
		room = abs
		if mc.Change > 0 {
			reach = mc.Change - lo
		} else {
			reach = hi - mc.Change
		}
	case abs < tol*3/4:
		reach, room = max(hi-mc.Change, mc.Change-lo), tol-abs
	}
	if reach > 0 && room > 0 {
		f := reach / room
		mc.Needed = int64(math.Ceil(float64(max(mc.Samples[0], mc.Samples[1])) * f * f))
		mc.Note = joinNotes(mc.Note, fmt.Sprintf("the interval reaches past the tolerance; about %d requests per run would tell", mc.Needed))
	} else {
		mc.Note = joinNotes(mc.Note, "the change is about as large as the tolerance: more requests would not settle it; widen or narrow the tolerance")
	}
	return Undecided
}

// compareRate compares a rate by its difference, with Newcombe's hybrid
// Wilson interval (good near 0, where error rates live).
func compareRate(mc *MetricChange, b, c span) {
	mb, mcand := rateMeasure(mc.Metric, &b.row().IntervalCounts), rateMeasure(mc.Metric, &c.row().IntervalCounts)
	mc.Samples = [2]int64{mb.samples, mcand.samples}
	if !mb.ok || !mcand.ok {
		mc.Verdict, mc.Note = Undecided, "no requests to compare"
		return
	}
	mc.Baseline, mc.Candidate = mb.value, mcand.value
	d := mcand.value - mb.value
	mc.Change = d
	mc.CI95 = [2]float64{
		d - math.Hypot(mcand.value-mcand.low, mb.high-mb.value),
		d + math.Hypot(mcand.high-mcand.value, mb.value-mb.low),
	}
}

// compareQuantile compares a percentile by its relative change, with a
// moving-block bootstrap over each run's interval histograms.
func compareQuantile(mc *MetricChange, m scenarios.Metric, b, c span, resamples int, rng *rand.Rand) {
	mc.Relative = true
	bs, cs := b.s.blocks(m, b), c.s.blocks(m, c)
	nb, nc := totalOf(bs), totalOf(cs)
	mc.Samples = [2]int64{nb, nc}
	need := SamplesNeeded(m.Percentile)
	if nb < need || nc < need {
		mc.Verdict, mc.Needed = Undecided, need
		mc.Note = fmt.Sprintf("%s needs at least %d requests in each run (%d and %d)", m.Name, need, nb, nc)
		if nb > 0 && nc > 0 {
			mc.Baseline, mc.Candidate = float64(quantileOf(bs, m.Percentile)), float64(quantileOf(cs, m.Percentile))
		}
		return
	}
	mc.Baseline, mc.Candidate = float64(quantileOf(bs, m.Percentile)), float64(quantileOf(cs, m.Percentile))
	mc.Change = mc.Candidate/mc.Baseline - 1
	ratios := make([]float64, resamples)
	rb, rc := newResampler(bs), newResampler(cs)
	for i := range ratios {
		ratios[i] = rc.quantile(rng, m.Percentile)/rb.quantile(rng, m.Percentile) - 1
	}
	slices.Sort(ratios)
	mc.CI95 = [2]float64{ratios[int(0.025*float64(resamples))], ratios[min(int(0.975*float64(resamples)), resamples-1)]}
}

// blocks are one span's interval histograms of a latency metric, in time
// order, empty intervals left out.
func (s *Summary) blocks(m scenarios.Metric, sp span) []*rundir.Sparse {
	hists := s.intervalHists(m, sp)
	var out []*rundir.Sparse
	for k := range sp.run().Intervals {
		iv := &sp.run().Intervals[k]
		if h := hists[iv.StartNanos/1e6]; sp.in(iv) && h != nil && h.Total > 0 {
			out = append(out, h)
		}
	}
	return out
}

func totalOf(hs []*rundir.Sparse) int64 {
	var n int64
	for _, h := range hs {
		n += h.Total
	}
	return n
}

func quantileOf(hs []*rundir.Sparse, p float64) float64 {
	h := rundir.NewHist()
	for _, s := range hs {
		h.AddSparse(s)
	}
	return float64(distOf(h).Percentile(p))
}

// resampler draws bootstrap samples into one reused dense histogram: by
// moving blocks of interval histograms, or, when the values lie in too few
// intervals for blocks to vary (cold starts, mostly in a run's first
// seconds), value by value.
type resampler struct {
	hs      []*rundir.Sparse
	block   int
	counts  []int64
	touched []int32
	// For value-by-value resampling: the pooled buckets and their
	// cumulative counts.
	pooled *rundir.Sparse
	cum    []int64
}

// minBlocks is the fewest intervals with values that a block bootstrap
// needs; with fewer, the resamples barely differ and the interval would be
// too narrow.
const minBlocks = 10

func newResampler(hs []*rundir.Sparse) *resampler {
	r := &resampler{hs: hs, counts: make([]int64, rundir.RunGeometry.CountsLen)}
	if len(hs) < minBlocks {
		h := rundir.NewHist()
		for _, s := range hs {
			h.AddSparse(s)
		}
		r.pooled = h.Sparse()
		var c int64
		for _, n := range r.pooled.Cnt {
			c += n
			r.cum = append(r.cum, c)
		}
		return r
	}
	// Blocks of about √n intervals keep most of the dependence between
	// neighbouring intervals (a burst, a scale-out) inside a block.
	r.block = max(1, int(math.Round(math.Sqrt(float64(len(hs))))))
	return r
}

// quantile draws one resample and returns its p-th percentile.
func (r *resampler) quantile(rng *rand.Rand, p float64) float64 {
	for _, i := range r.touched {
		r.counts[i] = 0
	}
	r.touched = r.touched[:0]
	if r.pooled != nil {
		return r.valueQuantile(rng, p)
	}
	n := len(r.hs)
	var total int64
	for drawn := 0; drawn < n; drawn += r.block {
		start := rng.IntN(n - min(r.block, n) + 1)
		for _, h := range r.hs[start:min(start+r.block, n)] {
			for k, idx := range h.Idx {
				if r.counts[idx] == 0 {
					r.touched = append(r.touched, idx)
				}
				r.counts[idx] += h.Cnt[k]
				total += h.Cnt[k]
			}
		}
	}
	return r.percentile(p, total)
}

// valueQuantile resamples the pooled values one by one.
func (r *resampler) valueQuantile(rng *rand.Rand, p float64) float64 {
	total := r.cum[len(r.cum)-1]
	for range total {
		k, _ := slices.BinarySearch(r.cum, rng.Int64N(total)+1)
		idx := r.pooled.Idx[k]
		if r.counts[idx] == 0 {
			r.touched = append(r.touched, idx)
		}
		r.counts[idx]++
	}
	return r.percentile(p, total)
}

// percentile is the p-th percentile of the resample in counts.
func (r *resampler) percentile(p float64, total int64) float64 {
	slices.Sort(r.touched)
	rank := rundir.PercentileRank(p, total)
	var cum int64
	for _, idx := range r.touched {
		cum += r.counts[idx]
		if cum >= rank {
			_, high := rundir.RunGeometry.Bounds(idx)
			return float64(high)
		}
	}
	return 0
}
