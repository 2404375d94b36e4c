package analyze

import (
	"math"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/rundir"
)

// CILevel is the confidence level of every interval fnbench reports.
const CILevel = 0.95

// Dist is a distribution read from an HDR histogram: its non-empty buckets
// in ascending order, each with the count up to and including it. Every
// percentile and confidence interval is read from one of these.
type Dist struct {
	buckets []bucket
	total   int64
}

// bucket is one HDR bucket: every value in [low, high] is recorded as the
// same value.
type bucket struct {
	low, high  int64
	count, cum int64
}

// DistOf reads a histogram's buckets.
func DistOf(h *hdr.Histogram) Dist {
	var d Dist
	if h == nil || h.TotalCount() == 0 {
		return d
	}
	geo := &rundir.RunGeometry
	if h.LowestTrackableValue() != rundir.LowestNanos || h.HighestTrackableValue() != rundir.HighestNanos || h.SignificantFigures() != rundir.SigFigs {
		g, err := rundir.NewGeometry(h.LowestTrackableValue(), h.HighestTrackableValue(), int32(h.SignificantFigures()))
		if err != nil {
			return d
		}
		geo = &g
	}
	// A sparse copy walks the counts without allocating a bar per bucket.
	p := hdr.NewPacked(h.LowestTrackableValue(), h.HighestTrackableValue(), int(h.SignificantFigures()))
	p.MergeFrom(h)
	for value, count := range p.ForEachBucket {
		low, high := geo.Bounds(int32(geo.Index(value)))
		d.total += count
		d.buckets = append(d.buckets, bucket{low: low, high: high, count: count, cum: d.total})
	}
	return d
}

// plus returns the distribution of both d's and o's values (of one
// geometry).
func (d Dist) plus(o Dist) Dist {
	r := Dist{buckets: make([]bucket, 0, len(d.buckets)+len(o.buckets))}
	i, j := 0, 0
	for i < len(d.buckets) || j < len(o.buckets) {
		var b bucket
		switch {
		case j == len(o.buckets) || (i < len(d.buckets) && d.buckets[i].low < o.buckets[j].low):
			b = d.buckets[i]
			i++
		case i == len(d.buckets) || o.buckets[j].low < d.buckets[i].low:
			b = o.buckets[j]
			j++
		default:
			b = d.buckets[i]
			b.count += o.buckets[j].count
			i, j = i+1, j+1
		}
		r.total += b.count
		b.cum = r.total
		r.buckets = append(r.buckets, b)
	}
	return r
}

// Count is the number of values.
func (d Dist) Count() int64 { return d.total }

// atRank returns the bucket holding the r-th smallest value (1-based).
func (d Dist) atRank(r int64) bucket {
	i := sort.Search(len(d.buckets), func(i int) bool { return d.buckets[i].cum >= r })
	return d.buckets[min(i, len(d.buckets)-1)]
}

// Percentile is the p-th percentile (0 < p ≤ 100) exactly as
// HdrHistogram's ValueAtPercentile(p) reports it: the highest value
// equivalent to the value at rank round(p/100·n).
func (d Dist) Percentile(p float64) time.Duration {
	if d.total == 0 {
		return 0
	}
	return time.Duration(d.atRank(rundir.PercentileRank(p, d.total)).high)
}

// Min and Max are the lowest and highest values, to bucket precision (the
// lowest value equivalent to the smallest, the highest equivalent to the
// largest, as HdrHistogram's Min and Max).
func (d Dist) Min() time.Duration {
	if d.total == 0 {
		return 0
	}
	return time.Duration(d.buckets[0].low)
}

// Max: see Min.
func (d Dist) Max() time.Duration {
	if d.total == 0 {
		return 0
	}
	return time.Duration(d.buckets[len(d.buckets)-1].high)
}

// Mean counts every value at the middle of its bucket, as HdrHistogram does.
func (d Dist) Mean() time.Duration {
	if d.total == 0 {
		return 0
	}
	var sum float64
	for _, b := range d.buckets {
		sum += float64(b.count) * float64(b.low+(b.high-b.low+1)/2)
	}
	return time.Duration(sum / float64(d.total))
}

// CI is a confidence interval for a quantile: the true quantile of the
// population the requests were drawn from lies in [Low, High] with the
// stated confidence. LowRank and HighRank are the order statistics
// (1-based ranks among the n values) it was read at. Open says which side
// the sample is too small to bound: "low", "high" or "both"; that side is
// then the sample's minimum or maximum, and the interval may not cover.
type CI struct {
	Low      time.Duration `json:"low_ns"`
	High     time.Duration `json:"high_ns"`
	LowRank  int64         `json:"low_rank"`
	HighRank int64         `json:"high_rank"`
	Open     string        `json:"open,omitempty"`
}

// QuantileCI is the distribution-free confidence interval for the
// q-quantile at the given level, by the order-statistic (binomial) method:
// the number of values below the true quantile is Binomial(n, q), so the
// order statistics at its α/2 and 1−α/2 quantiles (plus one) bracket the
// true quantile with probability at least the level. From HDR buckets the
// low end is the lowest value of its bucket and the high end the highest,
// so bucket rounding never narrows the interval.
func (d Dist) QuantileCI(q, level float64) CI {
	if d.total == 0 {
		return CI{}
	}
	lo, hi := binomialRanks(d.total, q, level)
	ci := CI{LowRank: lo, HighRank: hi}
	lowOpen, highOpen := lo < 1, hi > d.total
	if lowOpen {
		ci.LowRank = 1
	}
	if highOpen {
		ci.HighRank = d.total
	}
	ci.Low, ci.High = time.Duration(d.atRank(ci.LowRank).low), time.Duration(d.atRank(ci.HighRank).high)
	ci.Open = openSides(lowOpen, highOpen)
	return ci
}

func openSides(low, high bool) string {
	switch {
	case low && high:
		return "both"
	case low:
		return "low"
	case high:
		return "high"
	}
	return ""
}

// binomialRanks returns the 1-based ranks [lo, hi] of the order statistics
// that bracket the q-quantile of n values at the given level: with B ~
// Binomial(n, q) the number of values below the quantile, lo−1 is the
// largest k with P(B ≤ k) ≤ α/2 and hi−1 the smallest k with P(B ≤ k) ≥
// 1−α/2. lo is 0 or hi is n+1 when n is too small to bound that side.
func binomialRanks(n int64, q, level float64) (lo, hi int64) {
	alpha := 1 - level
	kLow, kHigh := binomialQuantiles(n, q, alpha/2, 1-alpha/2)
	return kLow + 1, kHigh + 1
}

// binomialQuantiles returns, for B ~ Binomial(n, q), the largest k with
// P(B ≤ k) ≤ pLow (−1 if there is none) and the smallest k with
// P(B ≤ k) ≥ pHigh. The probabilities are exact (relative to the mode,
// walked out until the terms vanish) unless the spread is huge, where the
// normal approximation is as good.
func binomialQuantiles(n int64, q, pLow, pHigh float64) (kLow, kHigh int64) {
	switch {
	case q <= 0:
		return -1, 0
	case q >= 1:
		return n - 1, n
	}
	nf := float64(n)
	sd := math.Sqrt(nf * q * (1 - q))
	if sd > 1e5 {
		zLow, zHigh := math.Sqrt2*math.Erfinv(2*pLow-1), math.Sqrt2*math.Erfinv(2*pHigh-1)
		kLow = int64(math.Floor(nf*q + zLow*sd - 0.5))
		kHigh = int64(math.Ceil(nf*q + zHigh*sd - 0.5))
		return max(kLow, -1), min(kHigh, n)
	}
	mode := min(int64(math.Floor((nf+1)*q)), n)
	// Terms relative to the mode's: the ratio of consecutive terms is
	// (n−k)/(k+1) · q/(1−q). Walk down and up from the mode until they
	// vanish, summing; then walk up from the lowest, accumulating.
	const negligible = 1e-20
	odds := q / (1 - q)
	sum, first, tFirst := 1.0, mode, 1.0
	for k, t := mode, 1.0; k > 0; k-- {
		t *= float64(k) / (nf - float64(k) + 1) / odds
		if t < negligible {
			break
		}
		sum += t
		first, tFirst = k-1, t
	}
	last := mode
	for k, t := mode, 1.0; k < n; k++ {
		t *= (nf - float64(k)) / (float64(k) + 1) * odds
		if t < negligible {
			break
		}
		sum += t
		last = k + 1
	}
	kLow, kHigh = first-1, last
	cum, t := 0.0, tFirst
	for k := first; k <= last; k++ {
		cum += t / sum
		if cum <= pLow {
			kLow = k
		}
		if cum >= pHigh {
			return kLow, k
		}
		t *= (nf - float64(k)) / (float64(k) + 1) * odds
	}
	return kLow, kHigh
}

// distOf returns the distribution of a merged histogram (empty for nil).
func distOf(h *rundir.Hist) Dist {
	var d Dist
	if h == nil {
		return d
	}
	for i, c := range h.Counts {
		if c > 0 {
			low, high := rundir.RunGeometry.Bounds(int32(i))
			d.total += c
			d.buckets = append(d.buckets, bucket{low: low, high: high, count: c, cum: d.total})
		}
	}
	return d
}
