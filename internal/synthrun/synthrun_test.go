package synthrun

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fnbench/fnbench/analyze"
)

// A synthetic run is a run: it loads, and its counters, histograms and
// events agree.
func TestSyntheticRunLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	info, err := Write(dir, Options{Duration: 2 * time.Minute, RPS: 50, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	r, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) > 0 {
		t.Errorf("warnings %v", r.Warnings)
	}
	s := analyze.Summarize(r)
	for _, ts := range s.Tables {
		total := ts.Total
		if total.Offered < info.ExpectedPerTgt-1 || total.Warm+total.Cold+total.Errors != total.Sent {
			t.Errorf("%s: offered %d of %d expected; warm %d cold %d errors %d of %d sent",
				ts.Target.Name, total.Offered, info.ExpectedPerTgt, total.Warm, total.Cold, total.Errors, total.Sent)
		}
		if ok := total.Latency.OK; ok == nil || ok.Count != total.Warm+total.Cold {
			t.Errorf("%s: latency %+v for %d successes", ts.Target.Name, ok, total.Warm+total.Cold)
		}
		if ts.Cold.Count == 0 || ts.Cold.InitDuration == nil || len(ts.Scaling.Steps) != 1 || !ts.Cost.Priced {
			t.Errorf("%s: cold %+v, steps %+v, cost %+v", ts.Target.Name, ts.Cold, ts.Scaling.Steps, ts.Cost)
		}
	}
	if !s.Tables[0].Cost.Measured || s.Tables[1].Cost.Measured {
		t.Error("the Lambda target's cost should be measured, the Azure one's estimated")
	}
}
