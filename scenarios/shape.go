package scenarios

import (
	"fmt"
	"math"
	"time"
)

// Shape is the offered rate over one phase. t is the offset from the phase
// start, 0 <= t <= Duration(); values outside are clamped. Rates are in
// requests per second, counts in requests.
type Shape interface {
	Duration() time.Duration
	// Rate is the offered rate at t, in requests per second.
	Rate(t time.Duration) float64
	// Count is the expected number of requests in [0, t): the integral of Rate.
	Count(t time.Duration) float64
	// TimeAt inverts Count: the smallest t with Count(t) >= n, to within
	// 1ns, for n in [0, Count(Duration())]. It is monotone in n.
	TimeAt(n float64) time.Duration
}

// NewShape builds the shape a phase describes, after checking the
// parameters the shape needs. The decoder reports the same problems with
// positions; this check guards callers that build specs in code.
func NewShape(p PhaseSpec) (Shape, error) {
	if p.Duration <= 0 {
		return nil, fmt.Errorf("phase %q: duration %s must be above 0", p.Name, p.Duration)
	}
	for _, r := range []Rate{p.Rate, p.To, p.Peak, p.Amplitude} {
		if r < 0 || r > MaxRate || math.IsNaN(float64(r)) {
			return nil, fmt.Errorf("phase %q: rate %s is outside 0/s to %s", p.Name, r, MaxRate)
		}
	}
	d := p.Duration
	switch p.Shape {
	case "constant":
		if p.Rate <= 0 {
			return nil, fmt.Errorf("phase %q: constant rate must be above 0/s", p.Name)
		}
		return newPiecewise(d, []segment{{end: seconds(d), rate: float64(p.Rate)}}), nil
	case "pause":
		return newPiecewise(d, []segment{{end: seconds(d), rate: 0}}), nil
	case "ramp":
		if p.Rate == 0 && p.To == 0 {
			return nil, fmt.Errorf("phase %q: a ramp from 0/s to 0/s is a pause", p.Name)
		}
		return newRamp(d, float64(p.Rate), float64(p.To)), nil
	case "steps":
		if p.Steps < 2 || p.Steps > 10000 {
			return nil, fmt.Errorf("phase %q: steps %d must be between 2 and 10000", p.Name, p.Steps)
		}
		if p.Rate == 0 && p.To == 0 {
			return nil, fmt.Errorf("phase %q: steps from 0/s to 0/s is a pause", p.Name)
		}
		return newSteps(d, float64(p.Rate), float64(p.To), p.Steps), nil
	case "spike":
		if p.Peak <= 0 || p.Hold <= 0 || p.At < 0 || p.At+p.Hold > d {
			return nil, fmt.Errorf("phase %q: spike needs peak above 0/s and 0 <= at < at+hold <= duration", p.Name)
		}
		return newSpike(d, float64(p.Rate), float64(p.Peak), p.At, p.Hold), nil
	case "sine":
		if p.Rate <= 0 || p.Amplitude > p.Rate || p.Period <= 0 {
			return nil, fmt.Errorf("phase %q: sine needs rate above 0/s, amplitude at most rate, and a period above 0", p.Name)
		}
		return newSine(d, float64(p.Rate), float64(p.Amplitude), p.Period), nil
	}
	return nil, fmt.Errorf("phase %q: unknown shape %q", p.Name, p.Shape)
}

// seconds converts a duration to float seconds, the unit of the maths.
func seconds(d time.Duration) float64 { return d.Seconds() }

// fromSeconds converts float seconds back to a duration, rounded to the
// nanosecond and clamped to [0, limit].
func fromSeconds(s float64, limit time.Duration) time.Duration {
	if !(s > 0) { // also NaN
		return 0
	}
	ns := math.Round(s * 1e9)
	if ns >= float64(limit) {
		return limit
	}
	return time.Duration(ns)
}

// clampT clamps t to [0, d] and converts it to seconds.
func clampT(t, d time.Duration) float64 {
	return seconds(min(max(t, 0), d))
}
