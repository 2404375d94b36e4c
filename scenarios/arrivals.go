package scenarios

import (
	"math/rand/v2"
	"time"
)

// ArrivalGen yields the intended send times of one run, in order, as
// offsets from the run start. It holds O(1) state and does not allocate per
// arrival. It is not safe for concurrent use.
type ArrivalGen struct {
	s    *Schedule
	kind Arrivals

	phase int // current phase index

	// uniform: the k-th arrival of the phase, n arrivals in it.
	k, n int64

	// poisson: the cumulative expected count reached so far.
	rng  *rand.Rand
	mass float64
}

// Arrivals returns a fresh generator of intended send times. Uniform
// arrivals put the k-th arrival of each phase (k = 0, 1, …) where the phase's
// expected count reaches k, so a phase starts with an arrival and a 10/s
// phase of 30s has exactly 300. Poisson arrivals add Exp(1) gaps to the
// expected count of the whole schedule and map each sum back to a time (time
// rescaling), so they follow any shape exactly; seed makes them repeatable.
// Pauses produce no arrivals.
func (s *Schedule) Arrivals(kind Arrivals, seed int64) *ArrivalGen {
	g := &ArrivalGen{s: s, kind: kind}
	if kind == Poisson {
		g.rng = rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	} else {
		g.n = s.PhaseRequests(0, Uniform)
	}
	return g
}

// Next returns the next intended send time and its phase index, or ok=false
// when the schedule is exhausted.
func (g *ArrivalGen) Next() (at time.Duration, phase int, ok bool) {
	if g.kind == Poisson {
		return g.nextPoisson()
	}
	return g.nextUniform()
}

func (g *ArrivalGen) nextUniform() (time.Duration, int, bool) {
	for g.k >= g.n {
		g.phase++
		if g.phase >= len(g.s.Phases) {
			g.phase = len(g.s.Phases)
			return 0, 0, false
		}
		g.k, g.n = 0, g.s.PhaseRequests(g.phase, Uniform)
	}
	p := &g.s.Phases[g.phase]
	at := p.Start + p.Shape.TimeAt(float64(g.k))
	g.k++
	return at, g.phase, true
}

func (g *ArrivalGen) nextPoisson() (time.Duration, int, bool) {
	if g.phase >= len(g.s.Phases) {
		return 0, 0, false
	}
	g.mass += g.rng.ExpFloat64()
	cum := g.s.cum
	for cum[g.phase+1] < g.mass {
		g.phase++
		if g.phase >= len(g.s.Phases) {
			return 0, 0, false
		}
	}
	p := &g.s.Phases[g.phase]
	return p.Start + p.Shape.TimeAt(g.mass-cum[g.phase]), g.phase, true
}
