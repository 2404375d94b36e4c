package scenarios

import (
	"math"
	"time"
)

// sine oscillates around a mean rate: Rate(t) = m + A·sin(2πt/P), with
// A <= m so the rate never goes below 0. Count has a closed form; TimeAt
// inverts it with Newton steps kept inside a shrinking bracket.
type sine struct {
	d    time.Duration
	m, a float64 // mean and amplitude, requests per second
	w    float64 // angular frequency 2π/P, radians per second
}

func newSine(d time.Duration, mean, amplitude float64, period time.Duration) *sine {
	return &sine{d: d, m: mean, a: amplitude, w: 2 * math.Pi / seconds(period)}
}

func (s *sine) Duration() time.Duration { return s.d }

func (s *sine) Rate(t time.Duration) float64 {
	return s.rate(clampT(t, s.d))
}

func (s *sine) rate(ts float64) float64 { return s.m + s.a*math.Sin(s.w*ts) }

func (s *sine) Count(t time.Duration) float64 { return s.count(clampT(t, s.d)) }

// count is m·t + (A/w)(1 − cos wt), written with 2·sin²(wt/2) to avoid the
// cancellation of 1 − cos near 0.
func (s *sine) count(ts float64) float64 {
	h := math.Sin(s.w * ts / 2)
	return s.m*ts + s.a/s.w*2*h*h
}

func (s *sine) TimeAt(n float64) time.Duration {
	if !(n > 0) {
		return 0
	}
	total := seconds(s.d)
	if n >= s.count(total) {
		return s.d
	}
	// Count grows at least (m-A) and at most (m+A) per second, which
	// brackets the root.
	lo, hi := n/(s.m+s.a), total
	if s.m > s.a {
		hi = min(hi, n/(s.m-s.a))
	}
	t := min(max(n/s.m, lo), hi)
	for range 200 {
		f := s.count(t) - n
		if f >= 0 {
			hi = t
		} else {
			lo = t
		}
		if hi-lo <= 0.25e-9 {
			break
		}
		next := t - f/s.rate(t)
		if !(next > lo && next < hi) { // Newton left the bracket or rate is 0: bisect
			next = lo + (hi-lo)/2
		}
		if next == t {
			break
		}
		t = next
	}
	// The smallest t with Count(t) >= n lies in [lo, hi]; hi satisfies it.
	if s.count(t) < n {
		t = hi
	}
	return fromSeconds(t, s.d)
}
