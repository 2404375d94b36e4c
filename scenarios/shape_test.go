package scenarios

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// randomPhase draws a valid phase of the given shape.
func randomPhase(rng *rand.Rand, shape string) PhaseSpec {
	d := time.Duration(1+rng.IntN(600_000)) * time.Millisecond
	rate := func() Rate { return Rate(math.Round(rng.Float64()*1000*100) / 100) }
	p := PhaseSpec{Name: shape, Shape: shape, Duration: d}
	switch shape {
	case "constant":
		p.Rate = rate() + 0.01
	case "ramp":
		p.Rate, p.To = rate(), rate()
		if rng.IntN(4) == 0 {
			p.Rate = 0
		}
		if rng.IntN(4) == 0 {
			p.To = p.Rate
		}
		if p.Rate == 0 && p.To == 0 {
			p.To = 1
		}
	case "steps":
		p.Rate, p.To, p.Steps = rate(), rate()+0.5, 2+rng.IntN(20)
	case "spike":
		p.Rate, p.Peak = rate(), rate()+1
		p.At = time.Duration(rng.Int64N(int64(d)))
		p.Hold = 1 + time.Duration(rng.Int64N(int64(d-p.At)))
	case "sine":
		p.Rate = rate() + 1
		p.Amplitude = p.Rate * Rate(rng.Float64())
		if rng.IntN(4) == 0 {
			p.Amplitude = p.Rate // touches 0 at the troughs
		}
		p.Period = time.Duration(1+rng.IntN(120_000)) * time.Millisecond
	}
	return p
}

var allShapes = []string{"constant", "ramp", "steps", "spike", "sine", "pause"}

// TestTimeAtInvertsCount checks, over random parameters, that TimeAt is the
// inverse of Count to within a nanosecond and monotone.
func TestTimeAtInvertsCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, shape := range allShapes {
		for range 300 {
			spec := randomPhase(rng, shape)
			s, err := NewShape(spec)
			if err != nil {
				t.Fatalf("%+v: %v", spec, err)
			}
			total := s.Count(s.Duration())
			prev := time.Duration(0)
			for i := 0; i <= 50; i++ {
				n := total * float64(i) / 50
				at := s.TimeAt(n)
				if at < prev {
					t.Fatalf("%+v: TimeAt(%g) = %v before TimeAt of a smaller n = %v", spec, n, at, prev)
				}
				prev = at
				if at < 0 || at > s.Duration() {
					t.Fatalf("%+v: TimeAt(%g) = %v outside the phase", spec, n, at)
				}
				// TimeAt(n) is the smallest t with Count(t) >= n, up to the
				// rounding to whole nanoseconds and float error.
				tol := 1e-9*maxRate(s) + 1e-9*math.Max(1, n)
				if got := s.Count(at); got < n-tol {
					t.Fatalf("%+v: Count(TimeAt(%g)) = %g falls short", spec, n, got)
				}
				if at > 0 {
					if got := s.Count(at - time.Nanosecond); got > n+tol {
						t.Fatalf("%+v: TimeAt(%g) = %v is not the smallest: Count 1ns earlier = %g", spec, n, at, got)
					}
				}
			}
			// TimeAt(Count(t)) is t wherever the rate is positive.
			for range 50 {
				at := time.Duration(rng.Int64N(int64(s.Duration()) + 1))
				if s.Rate(at) < 1e-3 || (at > 0 && s.Rate(at-time.Nanosecond) < 1e-3) {
					continue
				}
				if back := s.TimeAt(s.Count(at)); absDur(back-at) > time.Nanosecond+time.Duration(1e-9*math.Max(1, s.Count(at))/s.Rate(at)*1e9) {
					t.Fatalf("%+v: TimeAt(Count(%v)) = %v", spec, at, back)
				}
			}
		}
	}
}

// TestRateIntegratesToCount checks Count against a numerical integral of
// Rate (the midpoint rule over 20000 slices).
func TestRateIntegratesToCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, shape := range allShapes {
		for range 20 {
			spec := randomPhase(rng, shape)
			s, _ := NewShape(spec)
			const slices = 20000
			dt := s.Duration() / slices
			if dt == 0 {
				continue
			}
			sum := 0.0
			for i := range slices {
				sum += s.Rate(dt*time.Duration(i)+dt/2) * dt.Seconds()
			}
			end := dt * slices
			want := s.Count(end)
			// Piecewise shapes jump inside one slice per edge; allow it.
			tol := 1e-6*math.Max(1, want) + 3*maxRate(s)*dt.Seconds()
			if math.Abs(sum-want) > tol {
				t.Errorf("%+v: integral of Rate = %g, Count = %g", spec, sum, want)
			}
		}
	}
}

func maxRate(s Shape) float64 {
	m := 0.0
	for i := 0; i <= 1000; i++ {
		m = math.Max(m, s.Rate(s.Duration()*time.Duration(i)/1000))
	}
	return m + 1
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func TestShapeClosedForms(t *testing.T) {
	tests := []struct {
		spec  PhaseSpec
		t     time.Duration
		rate  float64
		count float64
	}{
		{PhaseSpec{Shape: "constant", Rate: 10, Duration: 30 * time.Second}, 15 * time.Second, 10, 150},
		{PhaseSpec{Shape: "ramp", Rate: 0, To: 100, Duration: 10 * time.Second}, 5 * time.Second, 50, 125},
		{PhaseSpec{Shape: "ramp", Rate: 100, To: 0, Duration: 10 * time.Second}, 10 * time.Second, 0, 500},
		{PhaseSpec{Shape: "ramp", Rate: 20, To: 20, Duration: 10 * time.Second}, 5 * time.Second, 20, 100},
		{PhaseSpec{Shape: "steps", Rate: 10, To: 100, Steps: 5, Duration: 50 * time.Second}, 25 * time.Second, 55, 10*10 + 32.5*10 + 55*5},
		{PhaseSpec{Shape: "spike", Rate: 10, Peak: 500, At: 10 * time.Second, Hold: 5 * time.Second, Duration: 30 * time.Second}, 12 * time.Second, 500, 100 + 1000},
		{PhaseSpec{Shape: "sine", Rate: 100, Amplitude: 50, Period: 30 * time.Second, Duration: 2 * time.Minute}, 30 * time.Second, 100, 3000},
		{PhaseSpec{Shape: "pause", Duration: 5 * time.Minute}, time.Minute, 0, 0},
	}
	for _, tt := range tests {
		s, err := NewShape(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Rate(tt.t); math.Abs(got-tt.rate) > 1e-9 {
			t.Errorf("%s: Rate(%v) = %g, want %g", tt.spec.Shape, tt.t, got, tt.rate)
		}
		if got := s.Count(tt.t); math.Abs(got-tt.count) > 1e-9*math.Max(1, tt.count) {
			t.Errorf("%s: Count(%v) = %g, want %g", tt.spec.Shape, tt.t, got, tt.count)
		}
	}
}
