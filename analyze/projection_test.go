package analyze

import (
	"strconv"
	"testing"

	"github.com/fnbench/fnbench/analyze/cost"
)

// A summary projects every priced target to a month at the busiest rate
// the run offered, rounded to a number a reader can repeat (two
// significant digits), free tier applied, exactly as `fnbench cost RUN
// --rps` would; a target that could not be priced says why instead.
func TestSummaryProjectsAtThePeakOfferedRate(t *testing.T) {
	r, err := Load(simFixture)
	if err != nil {
		t.Fatal(err)
	}
	s := Summarize(r)
	rps := s.Tables[0].Projection.RPS
	if round, _ := strconv.ParseFloat(strconv.FormatFloat(rps, 'g', 2, 64), 64); rps <= 0 || round != rps {
		t.Fatalf("projected at %v requests/s; want the peak offered rate to two significant digits", rps)
	}
	for _, tr := range r.Targets {
		for _, iv := range tr.Intervals {
			if got := float64(iv.Offered) * 1e9 / float64(iv.EndNanos-iv.StartNanos); got > rps*1.05 {
				t.Errorf("%s offered %v requests/s in one interval, above the projected %v", tr.Info.Name, got, rps)
			}
		}
	}
	for i, ts := range s.Tables {
		p := ts.Projection
		if p.RPS != rps {
			t.Errorf("%s projected at %v, %s at %v: one rate per summary", ts.Target.Name, p.RPS, s.Tables[0].Target.Name, rps)
		}
		if !ts.Cost.Priced {
			if p.Monthly != nil || p.Reason != ts.Cost.Reason {
				t.Errorf("%s was not priced (%s) but projected %+v", ts.Target.Name, ts.Cost.Reason, p)
			}
			continue
		}
		want, err := ProjectTarget(cost.Default(), s, i, cost.Projection{RPS: rps})
		if err != nil {
			t.Fatal(err)
		}
		if p.Monthly == nil || !p.Monthly.Cost.FreeTier || p.Monthly.Cost.TotalUSD.Cmp(want.Cost.TotalUSD) != 0 || p.Monthly.RPS != rps {
			t.Errorf("%s: projection %+v (%s); want %v USD at %v requests/s, free tier applied", ts.Target.Name, p.Monthly, p.Reason, want.Cost.TotalUSD, rps)
		}
	}
}

// Runs read side by side are projected at one rate, the highest either
// offered, unless a rate is asked for.
func TestSummarizeRunsProjectsAtOneRate(t *testing.T) {
	var runs []*Run
	for _, dir := range []string{simFixture, "../report/testdata/run-aws-vs-azure"} {
		r, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	alone := [2]float64{Summarize(runs[0]).Tables[0].Projection.RPS, Summarize(runs[1]).Tables[0].Projection.RPS}
	if alone[0] == alone[1] {
		t.Fatalf("both runs peak at %v requests/s; the test needs two rates", alone[0])
	}
	for _, c := range []struct {
		ask, want float64
	}{{0, max(alone[0], alone[1])}, {7, 7}} {
		for _, s := range SummarizeRuns(runs, Options{ProjectRPS: c.ask}) {
			for _, ts := range s.Tables {
				if ts.Projection.RPS != c.want {
					t.Errorf("asked %v: %s of %s projected at %v requests/s, want %v", c.ask, ts.Target.Name, s.Run.Dir, ts.Projection.RPS, c.want)
				}
			}
		}
	}
}
