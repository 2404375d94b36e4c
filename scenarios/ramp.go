package scenarios

import (
	"math"
	"time"
)

// ramp changes the rate linearly from a to b over the phase:
// Rate(t) = a + (b-a)·t/D, Count(t) = a·t + (b-a)/(2D)·t².
type ramp struct {
	d    time.Duration
	a, b float64 // requests per second at the start and the end
	k    float64 // (b-a)/(2D): half the slope, requests per second²
}

func newRamp(d time.Duration, a, b float64) *ramp {
	return &ramp{d: d, a: a, b: b, k: (b - a) / (2 * seconds(d))}
}

func (r *ramp) Duration() time.Duration { return r.d }

func (r *ramp) Rate(t time.Duration) float64 {
	return r.a + 2*r.k*clampT(t, r.d)
}

func (r *ramp) Count(t time.Duration) float64 {
	ts := clampT(t, r.d)
	return r.a*ts + r.k*ts*ts
}

// TimeAt solves k·t² + a·t − n = 0 with the cancellation-free form
// t = 2n / (a + √(a² + 4kn)), which also covers k = 0 (t = n/a), a = 0
// (t = √(n/k)) and falling ramps (k < 0, where the discriminant reaches 0
// exactly at the end of a ramp down to 0).
func (r *ramp) TimeAt(n float64) time.Duration {
	if !(n > 0) {
		return 0
	}
	disc := max(r.a*r.a+4*r.k*n, 0)
	den := r.a + math.Sqrt(disc)
	if den <= 0 {
		return r.d
	}
	return fromSeconds(2*n/den, r.d)
}
