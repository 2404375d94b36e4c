package coldinfer

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

func TestSketchBucketsCoverEveryDuration(t *testing.T) {
	prev := -1
	for _, d := range []time.Duration{0, 1, 2, 63, 64, 65, 127, 128, time.Microsecond, time.Millisecond, time.Second, time.Hour, math.MaxInt64} {
		b := bucketOf(d)
		if b < prev || b >= sketchBuckets {
			t.Fatalf("%v: bucket %d after %d (of %d)", d, b, prev, sketchBuckets)
		}
		prev = b
		if lo := bucketLow(b); lo > max(d, 1) || (b+1 < sketchBuckets && bucketLow(b+1) <= d) {
			t.Errorf("%v in bucket %d, which starts at %v", d, b, lo)
		}
	}
}

// Quantiles come within the bucket resolution (3%) of the exact ones.
func TestSketchQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s warmSketch
	var all []float64
	for range 100000 {
		d := time.Duration(3e6 * math.Exp(0.5*rng.NormFloat64()))
		s.add(d)
		all = append(all, float64(d))
	}
	sort.Float64s(all)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999} {
		exact := all[int(q*float64(len(all)))]
		if got := float64(s.quantile(q)); math.Abs(got-exact)/exact > 0.03 {
			t.Errorf("p%v: %v, exact %v", q*100, time.Duration(got), time.Duration(exact))
		}
	}
}

// Decay weighs old samples down: after one half-life's decay, new samples
// count twice as much as old ones.
func TestSketchDecay(t *testing.T) {
	var s warmSketch
	for range 1000 {
		s.add(time.Millisecond)
	}
	s.decay(0.5)
	for range 1000 {
		s.add(10 * time.Millisecond)
	}
	// 500 old against 1000 new: the median is a new one, p30 an old one.
	if got := s.quantile(0.5); got < 9*time.Millisecond {
		t.Errorf("median %v; want about 10ms", got)
	}
	if got := s.quantile(0.3); got > 2*time.Millisecond {
		t.Errorf("p30 %v; want about 1ms", got)
	}
}
