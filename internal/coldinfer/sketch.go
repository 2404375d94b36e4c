package coldinfer

import (
	"math"
	"math/bits"
	"time"
)

// subBits is how many mantissa bits below the leading one pick a bucket:
// 2^subBits buckets per power of two, so a quantile is off by at most
// 1/2^subBits (3%) of its value.
const subBits = 5

// sketchBuckets covers every positive time.Duration (under 2^63 ns).
const sketchBuckets = (64 - subBits) << subBits

// warmSketch is a decaying log-bucketed histogram of warm latencies: the
// summary the detector keeps instead of samples. Its size is fixed (16 KiB)
// whatever the run's length or rate; old samples fade with a half-life so
// the reference follows a target whose warm latency drifts.
type warmSketch struct {
	counts [sketchBuckets]float64
	total  float64
}

// bucketOf maps a latency to its bucket: the position of its leading one
// and the subBits bits after it, as HdrHistogram does.
func bucketOf(d time.Duration) int {
	v := uint64(max(d, 1))
	n := bits.Len64(v) // 1..63
	if n <= subBits+1 {
		return int(v) // small values get a bucket each
	}
	shift := n - 1 - subBits
	return (n-subBits-1)<<subBits + int(v>>shift)
}

// bucketLow is the smallest latency in bucket i.
func bucketLow(i int) time.Duration {
	if i < 2<<subBits {
		return time.Duration(i)
	}
	octave := i>>subBits - 1
	return time.Duration(uint64(i&(1<<subBits-1)|1<<subBits) << octave)
}

func (s *warmSketch) add(d time.Duration) {
	s.counts[bucketOf(d)]++
	s.total++
}

// decay multiplies every count by f (0 < f <= 1).
func (s *warmSketch) decay(f float64) {
	if f >= 1 || s.total == 0 {
		return
	}
	for i := range s.counts {
		s.counts[i] *= f
	}
	s.total *= f
}

// quantile returns the latency below which a fraction q of the weight
// lies: the middle of the bucket that holds it (0 when empty).
func (s *warmSketch) quantile(q float64) time.Duration {
	if s.total == 0 {
		return 0
	}
	want := q * s.total
	var sum float64
	for i, c := range s.counts {
		sum += c
		if sum >= want && c > 0 {
			lo := bucketLow(i)
			if i+1 == sketchBuckets {
				return lo
			}
			return lo + (bucketLow(i+1)-lo)/2
		}
	}
	return time.Duration(math.MaxInt64)
}
