package scenarios

import (
	"math"
	"slices"
	"testing"
	"time"
)

func mustSchedule(t *testing.T, phases ...PhaseSpec) *Schedule {
	t.Helper()
	s, err := NewSchedule(phases)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// collect drains a generator, checking order and phase bounds.
func collect(t *testing.T, s *Schedule, kind Arrivals, seed int64) (times []time.Duration, perPhase []int) {
	t.Helper()
	perPhase = make([]int, len(s.Phases))
	g := s.Arrivals(kind, seed)
	prev := time.Duration(-1)
	for {
		at, phase, ok := g.Next()
		if !ok {
			break
		}
		if at < prev {
			t.Fatalf("arrival %v after %v: out of order", at, prev)
		}
		if p := s.Phases[phase]; at < p.Start || at > p.End {
			t.Fatalf("arrival %v outside its phase %d [%v, %v]", at, phase, p.Start, p.End)
		}
		prev = at
		times = append(times, at)
		perPhase[phase]++
	}
	if _, _, ok := g.Next(); ok {
		t.Fatal("Next returned an arrival after reporting the end")
	}
	return times, perPhase
}

func TestUniformExactCounts(t *testing.T) {
	s := mustSchedule(t,
		PhaseSpec{Name: "c", Shape: "constant", Rate: 10, Duration: 30 * time.Second},
		PhaseSpec{Name: "r", Shape: "ramp", Rate: 0, To: 100, Duration: 10 * time.Second},
		PhaseSpec{Name: "p", Shape: "pause", Duration: 5 * time.Second},
		PhaseSpec{Name: "s", Shape: "steps", Rate: 10, To: 100, Steps: 5, Duration: 50 * time.Second},
		PhaseSpec{Name: "k", Shape: "spike", Rate: 10, Peak: 500, At: 10 * time.Second, Hold: 5 * time.Second, Duration: 30 * time.Second},
		PhaseSpec{Name: "f", Shape: "constant", Rate: 0.1, Duration: 30 * time.Second},
	)
	times, perPhase := collect(t, s, Uniform, 0)
	// steps: 10, 32.5, 55, 77.5, 100 /s for 10s each; spike: 10/s for 25s + 500/s for 5s.
	want := []int{300, 500, 0, 2750, 2750, 3}
	if !slices.Equal(perPhase, want) {
		t.Errorf("arrivals per phase = %v, want %v", perPhase, want)
	}
	if times[0] != 0 || times[300] != 30*time.Second {
		t.Errorf("first arrivals of the phases at %v and %v, want 0s and 30s", times[0], times[300])
	}
	if times[1] != 100*time.Millisecond {
		t.Errorf("second arrival at %v, want 100ms", times[1])
	}
	if got := s.ExpectedRequests(Uniform); got != int64(len(times)) {
		t.Errorf("ExpectedRequests = %d, generator gave %d", got, len(times))
	}
}

func TestUniformDoesNotAllocate(t *testing.T) {
	s := mustSchedule(t, PhaseSpec{Shape: "sine", Rate: 100, Amplitude: 50, Period: 10 * time.Second, Duration: time.Hour})
	for _, kind := range []Arrivals{Uniform, Poisson} {
		g := s.Arrivals(kind, 1)
		if allocs := testing.AllocsPerRun(1000, func() { g.Next() }); allocs != 0 {
			t.Errorf("%s: %v allocations per Next", kind, allocs)
		}
	}
}

func TestPoissonCountAndDeterminism(t *testing.T) {
	s := mustSchedule(t,
		PhaseSpec{Shape: "constant", Rate: 200, Duration: 20 * time.Second},
		PhaseSpec{Shape: "pause", Duration: 5 * time.Second},
		PhaseSpec{Shape: "ramp", Rate: 0, To: 400, Duration: 20 * time.Second},
	)
	mean := s.Expected()
	for seed := range int64(5) {
		times, perPhase := collect(t, s, Poisson, seed)
		if d := math.Abs(float64(len(times)) - mean); d > 4*math.Sqrt(mean) {
			t.Errorf("seed %d: %d arrivals, mean %g: more than 4 sigma away", seed, len(times), mean)
		}
		if perPhase[1] != 0 {
			t.Errorf("seed %d: %d arrivals during the pause", seed, perPhase[1])
		}
		again, _ := collect(t, s, Poisson, seed)
		if !slices.Equal(times, again) {
			t.Errorf("seed %d: two generators gave different arrivals", seed)
		}
	}
	a, _ := collect(t, s, Poisson, 1)
	b, _ := collect(t, s, Poisson, 2)
	if slices.Equal(a, b) {
		t.Error("seeds 1 and 2 gave the same arrivals")
	}
}

// TestPoissonGapsAreExponential maps arrival times back through Count: the
// gaps must then be Exp(1). Kolmogorov–Smirnov at the 1% level.
func TestPoissonGapsAreExponential(t *testing.T) {
	for _, spec := range []PhaseSpec{
		{Shape: "constant", Rate: 500, Duration: 20 * time.Second},
		{Shape: "ramp", Rate: 10, To: 1000, Duration: 20 * time.Second},
	} {
		s := mustSchedule(t, spec)
		times, _ := collect(t, s, Poisson, 42)
		gaps := make([]float64, 0, len(times))
		prev := 0.0
		for _, at := range times {
			c := s.Count(at)
			gaps = append(gaps, c-prev)
			prev = c
		}
		slices.Sort(gaps)
		n := float64(len(gaps))
		dmax := 0.0
		for i, g := range gaps {
			cdf := 1 - math.Exp(-g)
			dmax = math.Max(dmax, math.Max(math.Abs(cdf-float64(i)/n), math.Abs(float64(i+1)/n-cdf)))
		}
		if crit := 1.63 / math.Sqrt(n); dmax > crit {
			t.Errorf("%s: KS statistic %.4f above the 1%% critical value %.4f (n=%d)", spec.Shape, dmax, crit, len(gaps))
		}
	}
}

func TestSchedulePhaseAtAndCount(t *testing.T) {
	s := mustSchedule(t,
		PhaseSpec{Name: "a", Shape: "constant", Rate: 10, Duration: 10 * time.Second},
		PhaseSpec{Name: "b", Shape: "pause", Duration: 5 * time.Second},
		PhaseSpec{Name: "c", Shape: "constant", Rate: 20, Duration: 10 * time.Second},
	)
	for _, tt := range []struct {
		t     time.Duration
		phase int
		count float64
	}{
		{-time.Second, 0, 0}, {0, 0, 0}, {10 * time.Second, 1, 100}, {12 * time.Second, 1, 100},
		{15 * time.Second, 2, 100}, {20 * time.Second, 2, 200}, {time.Hour, 2, 300},
	} {
		if got := s.PhaseAt(tt.t); got != tt.phase {
			t.Errorf("PhaseAt(%v) = %d, want %d", tt.t, got, tt.phase)
		}
		if got := s.Count(tt.t); got != tt.count {
			t.Errorf("Count(%v) = %g, want %g", tt.t, got, tt.count)
		}
	}
	if s.Duration() != 25*time.Second || s.Expected() != 300 {
		t.Errorf("Duration %v, Expected %g", s.Duration(), s.Expected())
	}
}
