package attack

import (
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// Executions that overlap or touch on one instance are one period, in
// whatever order they arrive; other instances' are their own; a period is
// billed at least 1,000 ms, then in 100 ms steps; close keeps the periods
// whose responses had not all arrived by the watermark.
func TestExecPeriodsUnionAndBilling(t *testing.T) {
	at := func(n int) int64 { return int64(n) * int64(time.Millisecond) }
	sp := func(inst string, s, e int) execSpan {
		return execSpan{instance: inst, start: at(s), end: at(e), seen: time.Duration(at(e + 5))}
	}
	p := newExecPeriods()
	for _, s := range []execSpan{
		sp("a", 0, 200),
		sp("a", 1500, 1700), // a second period on a
		sp("a", 150, 400),   // joins the first, out of order
		sp("a", 400, 450),   // touches it
		sp("b", 100, 2350),  // b: 2,250 ms → 2,300 billed
		sp("a", 1600, 3000), // a's second period: 1,500 ms
	} {
		p.add(s)
	}
	var b rundir.MarkerBilling
	p.close(ms(1000), &b) // only a's first period [0, 450] is final
	if b.Periods != 1 || b.PeriodActiveMs != 450 || b.PeriodBilledMs != 1000 {
		t.Fatalf("after the first close: %+v, want 1 period of 450 ms billed 1,000 ms", b)
	}
	p.add(sp("a", 1200, 1500)) // still joins a's second period
	p.close(all, &b)
	if b.Periods != 3 || b.PeriodActiveMs != 450+1800+2250 || b.PeriodBilledMs != 1000+1800+2300 {
		t.Errorf("after closing all: %+v, want 3 periods, 4,500 ms active, 5,100 ms billed", b)
	}
	if len(p.open) != 0 {
		t.Errorf("open periods left: %v", p.open)
	}
}
