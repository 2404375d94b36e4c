package analyze

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// Percentiles, extremes and mean read from Dist equal HdrHistogram's own.
func TestDistMatchesHDR(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for seed := range 50 {
		h := rundir.NewHistogram()
		n := 1 + rng.IntN(5000)
		for range n {
			h.RecordValue(int64(float64(time.Millisecond) * math.Exp(1.5*rng.NormFloat64())))
		}
		d := DistOf(h)
		for _, p := range []float64{0.1, 1, 25, 50, 90, 95, 99, 99.9, 99.99, 100} {
			if got, want := d.Percentile(p), time.Duration(h.ValueAtQuantile(p)); got != want {
				t.Fatalf("seed %d, n %d: p%v = %v, hdr %v", seed, n, p, got, want)
			}
		}
		if d.Min() != time.Duration(h.Min()) || d.Max() != time.Duration(h.Max()) || d.Mean() != time.Duration(h.Mean()) {
			t.Fatalf("seed %d: min/max/mean %v %v %v, hdr %v %v %v", seed, d.Min(), d.Max(), d.Mean(), h.Min(), h.Max(), time.Duration(h.Mean()))
		}
	}
}

// The order-statistic ranks match the textbook values: for the median of
// 10 values the 95% interval is [x(2), x(9)] (coverage 97.9%), and for
// the median of 100, [x(40), x(61)].
func TestBinomialRanks(t *testing.T) {
	for _, c := range []struct {
		n      int64
		q      float64
		lo, hi int64
	}{
		{10, 0.5, 2, 9},
		{100, 0.5, 40, 61},
		{6, 0.5, 1, 6}, // coverage 1 − 2/64
		{5, 0.5, 0, 6}, // all five above the median has chance 1/32 > 2.5%: no bound
		{3, 0.5, 0, 4},
		{100, 0.99, 97, 101}, // the p99 of 100 values has no upper bound
	} {
		lo, hi := binomialRanks(c.n, c.q, 0.95)
		if lo != c.lo || hi != c.hi {
			t.Errorf("n %d q %v: ranks [%d, %d], want [%d, %d]", c.n, c.q, lo, hi, c.lo, c.hi)
		}
	}
	// Exact and normal-approximation paths agree where both apply.
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		n := int64(20_000_000)
		kLow, kHigh := binomialQuantiles(n, q, 0.025, 0.975)
		sd := math.Sqrt(float64(n) * q * (1 - q))
		mean := float64(n) * q
		if math.Abs(float64(kLow)-(mean-1.96*sd)) > 2 || math.Abs(float64(kHigh)-(mean+1.96*sd)) > 2 {
			t.Errorf("q %v: [%d, %d], normal approximation [%.0f, %.0f]", q, kLow, kHigh, mean-1.96*sd, mean+1.96*sd)
		}
	}
}

// On synthetic histograms the 95% intervals cover the true percentile about
// 95% of the time: 400 seeds, each 500 log-normal latencies recorded into
// an HDR histogram, intervals for p50, p90, p99 and (from 5,000 values)
// p99.9. The binomial method is exact but discrete, so coverage is at
// least 95% and a little above; bucket rounding only widens intervals.
func TestCICoverage(t *testing.T) {
	const seeds = 400
	median, sigma := float64(20*time.Millisecond), 0.6
	truth := func(q float64) time.Duration {
		z := math.Sqrt2 * math.Erfinv(2*q-1)
		return time.Duration(median * math.Exp(sigma*z))
	}
	for _, c := range []struct {
		q float64
		n int
	}{{0.5, 500}, {0.9, 500}, {0.99, 500}, {0.999, 5000}} {
		covered, open := 0, 0
		h := rundir.NewHistogram()
		for seed := range seeds {
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			h.Reset()
			for range c.n {
				h.RecordValue(int64(median * math.Exp(sigma*rng.NormFloat64())))
			}
			ci := DistOf(h).QuantileCI(c.q, CILevel)
			if ci.Open != "" {
				open++
			}
			if ci.Low <= truth(c.q) && truth(c.q) <= ci.High {
				covered++
			}
		}
		rate := float64(covered) / seeds
		t.Logf("p%v of %d values: the 95%% interval covered the true value in %.1f%% of %d runs", c.q*100, c.n, 100*rate, seeds)
		// Binomial sampling of the coverage itself: ±2.2 standard errors.
		if rate < 0.928 || rate > 0.99 || open > 0 {
			t.Errorf("p%v: coverage %.3f (open %d), want about 0.95", c.q*100, rate, open)
		}
	}
}

// A median from few cold starts cannot be bounded: the interval says so.
func TestCIOpenWithFewValues(t *testing.T) {
	h := rundir.NewHistogram()
	for _, v := range []int64{1e6, 2e6, 3e6} {
		h.RecordValue(v)
	}
	ci := DistOf(h).QuantileCI(0.5, CILevel)
	if ci.Open != "both" || ci.LowRank != 1 || ci.HighRank != 3 {
		t.Errorf("CI %+v: want open on both sides at ranks 1 and 3", ci)
	}
	if (Dist{}).QuantileCI(0.5, CILevel) != (CI{}) {
		t.Error("an empty distribution has an interval")
	}
}

// The cold-start penalty's interval holds the difference of the medians
// and is wider than either median's own.
func TestPenalty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	cold, warm := rundir.NewHistogram(), rundir.NewHistogram()
	for range 400 {
		cold.RecordValue(int64(250e6 + 20e6*rng.NormFloat64()))
	}
	for range 20000 {
		warm.RecordValue(int64(20e6 + 2e6*rng.NormFloat64()))
	}
	p := penaltyOf(DistOf(cold), DistOf(warm))
	if p == nil || p.Low > p.Value || p.Value > p.High || p.Open != "" {
		t.Fatalf("penalty %+v", p)
	}
	if p.Value < 220*time.Millisecond || p.Value > 240*time.Millisecond {
		t.Errorf("penalty %v, want about 230ms", p.Value)
	}
	if penaltyOf(DistOf(cold), Dist{}) != nil {
		t.Error("a penalty without warm requests")
	}
}
