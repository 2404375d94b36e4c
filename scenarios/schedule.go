package scenarios

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
)

// MaxScheduleDuration is the longest schedule a scenario may describe.
const MaxScheduleDuration = 7 * 24 * time.Hour

// Schedule is the offered rate over a whole run: phases laid end to end on
// one timeline that starts at 0. Every target receives the same schedule.
type Schedule struct {
	Phases []Phase
	cum    []float64 // cum[i] is the expected count before phase i; cum[len] the total
}

// Phase is one phase placed on the run's timeline. Index is its 0-based
// position; Start and End are offsets from the run start.
type Phase struct {
	Name       string
	Index      int
	Start, End time.Duration
	Shape      Shape
}

// NewSchedule lays phases end to end. The total must be above 0 and at most
// MaxScheduleDuration.
func NewSchedule(phases []PhaseSpec) (*Schedule, error) {
	if len(phases) == 0 {
		return nil, errors.New("a schedule needs at least one phase")
	}
	s := &Schedule{Phases: make([]Phase, len(phases)), cum: make([]float64, len(phases)+1)}
	var at time.Duration
	for i, spec := range phases {
		shape, err := NewShape(spec)
		if err != nil {
			return nil, err
		}
		if at+spec.Duration > MaxScheduleDuration || at+spec.Duration < at {
			return nil, fmt.Errorf("the schedule is longer than %s", formatDuration(MaxScheduleDuration))
		}
		s.Phases[i] = Phase{Name: spec.Name, Index: i, Start: at, End: at + spec.Duration, Shape: shape}
		s.cum[i+1] = s.cum[i] + shape.Count(spec.Duration)
		at += spec.Duration
	}
	return s, nil
}

// Duration is the length of the whole schedule.
func (s *Schedule) Duration() time.Duration { return s.Phases[len(s.Phases)-1].End }

// PhaseAt returns the index of the phase containing t: the phase with
// Start <= t < End, the first for t < 0 and the last for t >= Duration().
func (s *Schedule) PhaseAt(t time.Duration) int {
	i := sort.Search(len(s.Phases), func(i int) bool { return s.Phases[i].End > t })
	return min(i, len(s.Phases)-1)
}

// Rate is the offered rate at t, in requests per second.
func (s *Schedule) Rate(t time.Duration) float64 {
	p := s.Phases[s.PhaseAt(t)]
	return p.Shape.Rate(t - p.Start)
}

// Count is the expected number of requests in [0, t).
func (s *Schedule) Count(t time.Duration) float64 {
	i := s.PhaseAt(t)
	p := s.Phases[i]
	return s.cum[i] + p.Shape.Count(t-p.Start)
}

// Expected is the expected number of requests over the whole schedule.
func (s *Schedule) Expected() float64 { return s.cum[len(s.Phases)] }

// ExpectedRequests is the number of requests per target the arrivals will
// produce: exact for uniform arrivals, the rounded mean for Poisson.
func (s *Schedule) ExpectedRequests(kind Arrivals) int64 {
	if kind == Poisson {
		return int64(math.Round(s.Expected()))
	}
	var n int64
	for i := range s.Phases {
		n += s.PhaseRequests(i, kind)
	}
	return n
}

// PhaseRequests is ExpectedRequests for phase i alone.
func (s *Schedule) PhaseRequests(i int, kind Arrivals) int64 {
	c := s.cum[i+1] - s.cum[i]
	if kind == Poisson {
		return int64(math.Round(c))
	}
	return uniformCount(c)
}

// uniformCount is the number of k = 0, 1, 2, … with k < c, forgiving the
// rounding error of float maths: 0.1/s for 30s is 3 arrivals, not 4.
func uniformCount(c float64) int64 {
	if !(c > 0) {
		return 0
	}
	return int64(math.Ceil(c - 1e-9*max(1, c)))
}

// PeakRate is the highest offered rate of the schedule, in requests per
// second, and the index of the phase it is reached in. Each phase is
// sampled at its ends and at least every 10 ms (a thousandth of a long
// phase), which catches every step and spike a scenario can write.
func (s *Schedule) PeakRate() (rate float64, phase int) {
	for i, p := range s.Phases {
		span := p.End - p.Start
		step := min(10*time.Millisecond, max(span/1000, time.Microsecond))
		for at := p.Start; at < p.End; at += step {
			if r := s.Rate(at); r > rate {
				rate, phase = r, i
			}
		}
		if span > 0 {
			if r := s.Rate(p.End - 1); r > rate {
				rate, phase = r, i
			}
		}
	}
	return rate, phase
}
