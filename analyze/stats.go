package analyze

import (
	"math"
	"time"
)

// Quantile is a percentile of a latency distribution with its 95%
// confidence interval.
type Quantile struct {
	Value time.Duration `json:"value_ns"`
	CI95  CI            `json:"ci95"`
}

// Above reports whether q is higher than o beyond doubt: q's 95%
// confidence interval lies wholly above o's. Two percentiles differ when
// either is above the other.
func (q Quantile) Above(o Quantile) bool { return q.CI95.Low > o.CI95.High }

// LatencyStats describes one latency distribution: how many values, the
// extremes and mean, and the percentiles reports and gates use, each with
// its confidence interval (QuantileCI). Values are in nanoseconds, to HDR
// precision (3 significant digits).
type LatencyStats struct {
	Count int64         `json:"count"`
	Min   time.Duration `json:"min_ns"`
	Mean  time.Duration `json:"mean_ns"`
	P50   Quantile      `json:"p50"`
	P90   Quantile      `json:"p90"`
	P95   Quantile      `json:"p95"`
	P99   Quantile      `json:"p99"`
	P999  Quantile      `json:"p99_9"`
	Max   time.Duration `json:"max_ns"`
}

// latencyStats describes d; nil when it is empty.
func latencyStats(d Dist) *LatencyStats {
	if d.Count() == 0 {
		return nil
	}
	q := func(p float64) Quantile { return Quantile{Value: d.Percentile(p), CI95: d.QuantileCI(p/100, CILevel)} }
	return &LatencyStats{
		Count: d.Count(), Min: d.Min(), Mean: d.Mean(), Max: d.Max(),
		P50: q(50), P90: q(90), P95: q(95), P99: q(99), P999: q(99.9),
	}
}

// OutcomeLatency is a span's latency by outcome. OK is the successful
// requests (warm and cold together): the latency users saw, and what the
// headline percentiles are of. An outcome without requests is nil.
type OutcomeLatency struct {
	OK    *LatencyStats `json:"ok"`
	Warm  *LatencyStats `json:"warm"`
	Cold  *LatencyStats `json:"cold"`
	Error *LatencyStats `json:"error"`
}

// LagStats is the schedule lag of a span: how late requests were sent
// after their intended time. Latency is measured from the intended time
// anyway; lag says how well the load generator kept up.
type LagStats struct {
	Count int64         `json:"count"`
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	P999  time.Duration `json:"p99_9_ns"`
	Max   time.Duration `json:"max_ns"`
}

func lagStats(d Dist) LagStats {
	return LagStats{Count: d.Count(), Mean: d.Mean(), P50: d.Percentile(50), P90: d.Percentile(90),
		P99: d.Percentile(99), P999: d.Percentile(99.9), Max: d.Max()}
}

// Penalty is what a cold start adds at the median: cold p50 − warm p50,
// with a 95% confidence interval. Each median's interval is taken at
// √0.95 ≈ 97.5% and the difference's bounds from their ends: the two
// samples are independent, so both cover with probability 95% and then
// the difference lies between the bounds. Open names a side one of the
// medians could not bound (too few cold starts), as in CI.
type Penalty struct {
	Value time.Duration `json:"value_ns"`
	Low   time.Duration `json:"low_ns"`
	High  time.Duration `json:"high_ns"`
	Open  string        `json:"open,omitempty"`
}

func penaltyOf(cold, warm Dist) *Penalty {
	if cold.Count() == 0 || warm.Count() == 0 {
		return nil
	}
	level := math.Sqrt(CILevel)
	c, w := cold.QuantileCI(0.5, level), warm.QuantileCI(0.5, level)
	p := &Penalty{Value: cold.Percentile(50) - warm.Percentile(50), Low: c.Low - w.High, High: c.High - w.Low}
	lowOpen := c.Open == "low" || c.Open == "both" || w.Open == "high" || w.Open == "both"
	highOpen := c.Open == "high" || c.Open == "both" || w.Open == "low" || w.Open == "both"
	p.Open = openSides(lowOpen, highOpen)
	return p
}

// ratio is a/b, 0 when b is 0.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
