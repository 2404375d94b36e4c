package scenarios

import (
	"sort"
	"time"
)

// segment is a stretch of constant rate inside a phase, in seconds from the
// phase start.
type segment struct {
	end  float64 // seconds; the segment starts where the previous ends
	rate float64 // requests per second
}

// piecewise is a shape of constant-rate segments: constant, pause, steps and
// spike. Count and TimeAt are exact: a sum of rectangles and its inverse.
type piecewise struct {
	d     time.Duration
	segs  []segment
	start []float64 // start[i] is where segment i begins, in seconds
	cum   []float64 // cum[i] is Count at start[i]; cum[len] is the total
}

func newPiecewise(d time.Duration, segs []segment) *piecewise {
	p := &piecewise{d: d, segs: segs, start: make([]float64, len(segs)), cum: make([]float64, len(segs)+1)}
	prevEnd := 0.0
	for i, s := range segs {
		p.start[i] = prevEnd
		p.cum[i+1] = p.cum[i] + s.rate*(s.end-prevEnd)
		prevEnd = s.end
	}
	return p
}

// newSteps builds n equal-length stairs from a to b inclusive.
func newSteps(d time.Duration, a, b float64, n int) *piecewise {
	segs := make([]segment, n)
	total := seconds(d)
	for i := range segs {
		segs[i] = segment{end: total * float64(i+1) / float64(n), rate: a + (b-a)*float64(i)/float64(n-1)}
	}
	segs[n-1].end = total
	return newPiecewise(d, segs)
}

// newSpike builds a baseline with a burst to peak over [at, at+hold).
func newSpike(d time.Duration, base, peak float64, at, hold time.Duration) *piecewise {
	var segs []segment
	if at > 0 {
		segs = append(segs, segment{end: seconds(at), rate: base})
	}
	segs = append(segs, segment{end: seconds(at + hold), rate: peak})
	if at+hold < d {
		segs = append(segs, segment{end: seconds(d), rate: base})
	}
	return newPiecewise(d, segs)
}

func (p *piecewise) Duration() time.Duration { return p.d }

// index returns the segment holding t seconds (the last one for t >= end).
func (p *piecewise) index(t float64) int {
	i := sort.Search(len(p.segs), func(i int) bool { return p.segs[i].end > t })
	return min(i, len(p.segs)-1)
}

func (p *piecewise) Rate(t time.Duration) float64 {
	return p.segs[p.index(clampT(t, p.d))].rate
}

func (p *piecewise) Count(t time.Duration) float64 {
	ts := clampT(t, p.d)
	i := p.index(ts)
	return p.cum[i] + p.segs[i].rate*(min(ts, p.segs[i].end)-p.start[i])
}

func (p *piecewise) TimeAt(n float64) time.Duration {
	if !(n > 0) {
		return 0
	}
	// The first segment whose end count reaches n holds the answer; it has
	// a positive rate, or an earlier segment would have reached n already.
	i := sort.Search(len(p.segs), func(i int) bool { return p.cum[i+1] >= n })
	if i == len(p.segs) {
		return p.d
	}
	s := p.segs[i]
	if s.rate <= 0 {
		return fromSeconds(p.start[i], p.d)
	}
	t := p.start[i] + (n-p.cum[i])/s.rate
	return fromSeconds(min(t, s.end), p.d)
}
