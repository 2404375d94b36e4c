package analyze

import (
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/rundir"
)

func watchInfo() *rundir.RunInfo {
	return &rundir.RunInfo{IntervalNanos: int64(time.Second), Shard: rundir.ShardInfo{Count: 1},
		Targets: []rundir.TargetInfo{{Name: "a"}, {Name: "b"}},
		Phases:  []rundir.PhaseInfo{{Name: "steady", ExpectedReq: 1000}}}
}

func interval(errors, completed int64, slow int64) (*rundir.IntervalCounts, *[3]*hdr.Histogram) {
	var hs [3]*hdr.Histogram
	hs[rundir.IndexWarm] = rundir.NewHistogram()
	for range completed - errors - slow {
		hs[rundir.IndexWarm].RecordValue(int64(10 * time.Millisecond))
	}
	for range slow {
		hs[rundir.IndexWarm].RecordValue(int64(2 * time.Second))
	}
	return &rundir.IntervalCounts{Offered: completed, Sent: completed, Completed: completed, Errors: errors, Warm: completed - errors}, &hs
}

// An error-rate cap is lost for good once the errors exceed its share of
// every request the run will offer; not before.
func TestAbortWhenErrorRateIsLost(t *testing.T) {
	w := NewAbortWatch(thresholds(t, "error_rate < 1%", "p99 < 1s"))
	if w != nil {
		t.Fatal("thresholds without abort are watched")
	}
	ths := thresholds(t, "error_rate < 1%")
	ths[0].Abort = true
	w = NewAbortWatch(ths)
	w.Begin(watchInfo())
	c, h := interval(9, 100, 0)
	if r := w.Interval(0, c, h); r != "" {
		t.Fatalf("9 errors of 1,000 offered stopped the run: %s", r)
	}
	c, h = interval(1, 100, 0)
	if r := w.Interval(1, c, h); r != "" {
		t.Fatalf("target b's error counted for a: %s", r)
	}
	c, h = interval(1, 100, 0)
	if r := w.Interval(0, c, h); !strings.Contains(r, `"error_rate < 1%" certainly lost on target a`) {
		t.Fatalf("10 errors of 1,000: %q", r)
	}
}

// A percentile cap is lost once more requests were slower than the limit
// than the percentile allows of the whole span.
func TestAbortWhenPercentileIsLost(t *testing.T) {
	ths := thresholds(t, "p99 < 1s")
	ths[0].Abort = true
	w := NewAbortWatch(ths)
	w.Begin(watchInfo())
	c, h := interval(0, 100, 10)
	if r := w.Interval(0, c, h); r != "" {
		t.Fatalf("10 slow of 1,000 stopped the run: %s", r)
	}
	c, h = interval(0, 100, 1)
	if r := w.Interval(0, c, h); !strings.Contains(r, "11 requests already took") {
		t.Fatalf("11 slow of 1,000: %q", r)
	}
}

// A window threshold is lost when one whole window fails.
func TestAbortWhenAWindowFails(t *testing.T) {
	ths := thresholds(t, "error_rate[2s] < 5%")
	ths[0].Abort = true
	w := NewAbortWatch(ths)
	w.Begin(watchInfo())
	for i, errs := range []int64{0, 20} {
		c, h := interval(errs, 100, 0)
		c.EndNanos = int64(i+1) * int64(time.Second)
		r := w.Interval(0, c, h)
		if want := i == 1; (r != "") != want {
			t.Fatalf("interval %d with %d errors: %q", i, errs, r)
		}
	}
}
