package analyze

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/internal/rundir"
)

// A memory sweep (sweep: {memory_mb: [...]}) runs the whole schedule once
// per memory size, each into <dir>/<size>mb. The sweep view compares the
// sizes as AWS Lambda Power Tuning does, with the statistics fnbench keeps:
// per size the latency percentiles with their intervals, the mean billed
// duration, the init time, and the cost per million with an interval, and
// a recommended size under a strategy that says when sizes cannot be told
// apart.

// sweepDir matches a sweep's run directories.
var sweepDir = regexp.MustCompile(`^([0-9]+)mb$`)

// SweepRuns lists the run directories of a sweep, smallest memory first,
// and whether dir is a sweep at all (a directory of <size>mb run
// directories and no run.json of its own).
func SweepRuns(dir string) (sizes []int, dirs []string, ok bool) {
	if _, err := os.Stat(filepath.Join(dir, rundir.RunFile)); err == nil {
		return nil, nil, false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, false
	}
	for _, e := range entries {
		m := sweepDir.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), rundir.RunFile)); err != nil {
			continue
		}
		mb, _ := strconv.Atoi(m[1])
		sizes, dirs = append(sizes, mb), append(dirs, filepath.Join(dir, e.Name()))
	}
	idx := make([]int, len(sizes))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return sizes[a] - sizes[b] })
	sortedSizes, sortedDirs := make([]int, len(idx)), make([]string, len(idx))
	for k, i := range idx {
		sortedSizes[k], sortedDirs[k] = sizes[i], dirs[i]
	}
	return sortedSizes, sortedDirs, len(sizes) > 0
}

// Strategies pick a sweep's recommended size.
const (
	StrategyCost     = "cost"     // the lowest cost per million
	StrategySpeed    = "speed"    // the lowest p99
	StrategyBalanced = "balanced" // the lowest sum of cost and p99, each relative to the best of it
)

// SweepSummary compares one target over the sizes of a sweep.
type SweepSummary struct {
	Dir      string      `json:"dir"`
	Target   string      `json:"target"`
	Strategy string      `json:"strategy"`
	Sizes    []SweepSize `json:"sizes"`
	// Recommended is the memory size the strategy picks; Reason says why,
	// and which sizes could not be told apart from it.
	Recommended int    `json:"recommended_memory_mb"`
	Reason      string `json:"reason"`
	// Summaries are the per-size run summaries, for the rest of a report.
	Summaries []*Summary `json:"-"`
}

// SweepSize is one memory size of a sweep.
type SweepSize struct {
	MemoryMB int    `json:"memory_mb"`
	Run      string `json:"run"`
	Requests int64  `json:"requests"`
	// P50 and P99 are of the successful requests, with their 95%
	// intervals.
	P50 Quantile `json:"p50"`
	P99 Quantile `json:"p99"`
	// MeanBilled is the mean billed duration per invocation (REPORT lines,
	// or the function's markers), 0 when none was measured; BilledFrom
	// says which.
	MeanBilled time.Duration `json:"mean_billed_ns"`
	BilledFrom string        `json:"billed_from,omitempty"`
	// InitP50 is the median init time the cold starts reported (forced
	// ones when the sweep forced them), 0 when none did.
	InitP50 time.Duration `json:"init_p50_ns"`
	Colds   int64         `json:"cold_starts"`
	// PerMillion is the cost per million requests, marginal, with a 95%
	// interval from the variation of the billed duration between the
	// run's intervals (batch means); Basis says what it rests on.
	PerMillion     float64 `json:"per_million_usd"`
	PerMillionLow  float64 `json:"per_million_low_usd"`
	PerMillionHigh float64 `json:"per_million_high_usd"`
	Basis          string  `json:"basis"`
	Priced         bool    `json:"priced"`
	Reason         string  `json:"reason,omitempty"`
}

// LoadSweep reads every run of a sweep and compares target (the first
// target when empty) across the sizes under strategy.
func LoadSweep(dir, target, strategy string, o Options) (*SweepSummary, error) {
	sizes, dirs, ok := SweepRuns(dir)
	if !ok {
		return nil, fmt.Errorf("%s is not a sweep directory (<size>mb run directories)", dir)
	}
	if strategy == "" {
		strategy = StrategyBalanced
	}
	if !slices.Contains([]string{StrategyCost, StrategySpeed, StrategyBalanced}, strategy) {
		return nil, fmt.Errorf("strategy %q is not known; use cost, speed or balanced", strategy)
	}
	var runs []*Run
	for _, d := range dirs {
		r, err := Load(d)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	sums := SummarizeRuns(runs, o)
	ss := &SweepSummary{Dir: dir, Strategy: strategy, Summaries: sums}
	for i, s := range sums {
		t := sweptTarget(s, target)
		if t < 0 {
			return nil, fmt.Errorf("%s has no target %q", dirs[i], target)
		}
		ss.Target = s.Tables[t].Target.Name
		ss.Sizes = append(ss.Sizes, sweepSize(sizes[i], dirs[i], s, t))
	}
	ss.recommend()
	return ss, nil
}

// sweptTarget is the index of the target named, or without a name the
// first aws-lambda target (the sweep's memory is theirs), else the first;
// -1 when the name is not there.
func sweptTarget(s *Summary, name string) int {
	if name != "" {
		for k, ts := range s.Tables {
			if ts.Target.Name == name {
				return k
			}
		}
		return -1
	}
	for k, ts := range s.Tables {
		if ts.Target.Kind == "aws-lambda" {
			return k
		}
	}
	if len(s.Tables) == 0 {
		return -1
	}
	return 0
}

func sweepSize(mb int, dir string, s *Summary, t int) SweepSize {
	ts := &s.Tables[t]
	z := SweepSize{MemoryMB: mb, Run: dir, Requests: ts.Total.Sent, Colds: ts.Cold.Count}
	if l := ts.Total.Latency.OK; l != nil {
		z.P50, z.P99 = l.P50, l.P99
	}
	if b := ts.Total.Billing; b != nil {
		switch {
		case b.Reports > 0:
			z.MeanBilled, z.BilledFrom = time.Duration(b.BilledMs)*time.Millisecond/time.Duration(b.Reports), "REPORT lines"
		case b.Markers != nil && b.Markers.Executions > 0:
			z.MeanBilled, z.BilledFrom = time.Duration(b.Markers.LambdaBilledMs)*time.Millisecond/time.Duration(b.Markers.Executions), "function markers"
		}
	}
	switch {
	case ts.Forced != nil && ts.Forced.InitDuration != nil:
		z.InitP50 = ts.Forced.InitDuration.P50
	case ts.Cold.InitDuration != nil:
		z.InitP50 = ts.Cold.InitDuration.P50
	}
	c := ts.Cost
	if !c.Priced || c.Bill == nil {
		z.Reason = c.Reason
		return z
	}
	z.Priced, z.Basis = true, string(c.Bill.Basis)
	z.PerMillion = c.Bill.PerMillionUSD.Float64()
	z.PerMillionLow, z.PerMillionHigh = z.PerMillion, z.PerMillion
	if c.Bill.High != nil {
		z.PerMillionHigh = c.Bill.High.PerMillionUSD.Float64()
	}
	if lo, hi, ok := costCI(s.Run.Targets[t], c.Bill); ok {
		z.PerMillionLow, z.PerMillionHigh = lo, max(hi, z.PerMillionHigh)
	}
	return z
}

// costCI is a 95% interval for the cost per million from the variation of
// the mean billed duration between the run's intervals (batch means, Student
// t with one degree of freedom less than the intervals): the compute and
// init parts scale with it, the per-request parts do not.
func costCI(tr *TargetRun, b *cost.Breakdown) (lo, hi float64, ok bool) {
	var means, weights []float64
	var total, n float64
	for _, iv := range tr.Intervals {
		ms, count := intervalBilled(iv.Billing)
		if count == 0 {
			continue
		}
		means = append(means, ms/count)
		weights = append(weights, count)
		total += ms
		n += count
	}
	k := len(means)
	if k < 2 || total <= 0 {
		return 0, 0, false
	}
	overall := total / n
	var ss, w2 float64
	for i := range means {
		w := weights[i] / n
		ss += w * (means[i] - overall) * (means[i] - overall)
		w2 += w * w
	}
	// The variance of a weighted mean of batch means.
	se := math.Sqrt(ss / (1 - w2) * w2)
	half := tCritical(k-1) * se / overall
	p := b.PerMillionByPart
	variable := p.Compute.Float64() + p.Init.Float64()
	fixed := b.PerMillionUSD.Float64() - variable
	return fixed + variable*max(0, 1-half), fixed + variable*(1+half), true
}

// intervalBilled is an interval's billed milliseconds and invocations.
func intervalBilled(b *rundir.Billing) (ms, n float64) {
	switch {
	case b == nil:
		return 0, 0
	case b.Reports > 0:
		return float64(b.BilledMs), float64(b.Reports)
	case b.Markers != nil && b.Markers.Executions > 0:
		return float64(b.Markers.LambdaBilledMs), float64(b.Markers.Executions)
	}
	return 0, 0
}

// tCritical is Student's t for a two-sided 95% interval.
func tCritical(df int) float64 {
	table := []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	switch {
	case df < 1:
		return math.Inf(1)
	case df <= len(table):
		return table[df-1]
	case df <= 60:
		return 2.000
	case df <= 120:
		return 1.980
	}
	return 1.960
}

// recommend picks the size the strategy prefers. Sizes whose intervals
// overlap the best one's on the strategy's measure cannot be told apart
// from it: among them the smallest memory is recommended (cost: the
// cheapest to run; speed: the one that costs least), and the reason says
// so.
func (ss *SweepSummary) recommend() {
	var cands []int
	for i, z := range ss.Sizes {
		if z.Priced && z.Requests > 0 {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		ss.Reason = "no size could be priced and measured"
		return
	}
	type measure struct{ v, lo, hi float64 }
	at := func(i int) measure {
		z := ss.Sizes[i]
		switch ss.Strategy {
		case StrategyCost:
			return measure{z.PerMillion, z.PerMillionLow, z.PerMillionHigh}
		case StrategySpeed:
			return measure{float64(z.P99.Value), float64(z.P99.CI95.Low), float64(z.P99.CI95.High)}
		}
		// balanced: cost and p99, each over the best of it.
		var minCost, minP99 = math.Inf(1), math.Inf(1)
		for _, j := range cands {
			minCost, minP99 = min(minCost, ss.Sizes[j].PerMillion), min(minP99, float64(ss.Sizes[j].P99.Value))
		}
		minCost, minP99 = max(minCost, 1e-12), max(minP99, 1)
		return measure{z.PerMillion/minCost + float64(z.P99.Value)/minP99,
			z.PerMillionLow/minCost + float64(z.P99.CI95.Low)/minP99,
			z.PerMillionHigh/minCost + float64(z.P99.CI95.High)/minP99}
	}
	best := cands[0]
	for _, i := range cands[1:] {
		if at(i).v < at(best).v {
			best = i
		}
	}
	b := at(best)
	var tied []int
	for _, i := range cands {
		if m := at(i); i != best && m.lo <= b.hi && b.lo <= m.hi {
			tied = append(tied, i)
		}
	}
	pick := best
	for _, i := range tied {
		if ss.Sizes[i].MemoryMB < ss.Sizes[pick].MemoryMB {
			pick = i
		}
	}
	ss.Recommended = ss.Sizes[pick].MemoryMB
	what := map[string]string{StrategyCost: "the lowest cost per million", StrategySpeed: "the lowest p99", StrategyBalanced: "the best sum of cost and p99, each relative to the best size"}[ss.Strategy]
	ss.Reason = fmt.Sprintf("%d MB has %s", ss.Sizes[best].MemoryMB, what)
	if len(tied) > 0 {
		var names []string
		for _, i := range append([]int{best}, tied...) {
			names = append(names, fmt.Sprintf("%d MB", ss.Sizes[i].MemoryMB))
		}
		ss.Reason += fmt.Sprintf("; %s cannot be told apart on it (their 95%% intervals overlap), so the smallest, %d MB, is recommended", joinAnd(names), ss.Recommended)
	}
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
