package attack

import (
	"math"
	"sort"
	"time"

	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
)

// execSpan is one execution on a named instance: from when it started
// running to when it ended, by the instance's own clock when the function
// reports when it started (Fnbench-Start-Ns), else by the run's clock; and
// when its response reached fnbench, by the run's clock.
type execSpan struct {
	instance   string
	start, end int64 // ns
	seen       time.Duration
}

// execPeriods builds each instance's execution periods, the spans in which
// it ran at least one execution, as Azure Flex Consumption bills them
// (internal/platform, after docs/sources.md, "Azure Functions pricing").
// Executions arrive in any order; a period is final once no execution
// still to come can touch it (close). It is the flusher's own.
type execPeriods struct {
	open map[string][]period // instance → disjoint periods not yet final, in order
}

// period is a union of executions; seen is when the last of their
// responses reached fnbench.
type period struct {
	start, end int64
	seen       time.Duration
}

func newExecPeriods() *execPeriods { return &execPeriods{open: make(map[string][]period)} }

// add merges one execution into its instance's periods. Executions that
// touch or overlap join one period.
func (p *execPeriods) add(s execSpan) {
	start, end, seen := s.start, max(s.end, s.start), s.seen
	ps := p.open[s.instance]
	i := sort.Search(len(ps), func(i int) bool { return ps[i].end >= start })
	j := i
	for j < len(ps) && ps[j].start <= end {
		start, end, seen = min(start, ps[j].start), max(end, ps[j].end), max(seen, ps[j].seen)
		j++
	}
	switch {
	case i == j: // no overlap: insert
		ps = append(ps, period{})
		copy(ps[i+1:], ps[i:])
		ps[i] = period{start, end, seen}
	default: // ps[i:j] become one
		ps[i] = period{start, end, seen}
		ps = append(ps[:i+1], ps[j:]...)
	}
	p.open[s.instance] = ps
}

// close sums into b every period whose responses all reached fnbench
// before watermark, by the run's clock. No execution still to come can
// join it: each such request was sent after watermark, and so started
// after the period's executions had ended (their responses were out). A
// watermark of all closes every period.
func (p *execPeriods) close(watermark time.Duration, b *rundir.MarkerBilling) {
	for id, ps := range p.open {
		kept := ps[:0]
		for _, pd := range ps {
			if pd.seen >= watermark {
				kept = append(kept, pd)
				continue
			}
			d := time.Duration(pd.end - pd.start)
			b.Periods++
			b.PeriodActiveMs += d.Milliseconds()
			b.PeriodBilledMs += platform.FlexPeriodBilled(d).Milliseconds()
		}
		if len(kept) == 0 {
			delete(p.open, id)
		} else {
			p.open[id] = kept
		}
	}
}

// all is the watermark that closes every period.
const all = time.Duration(math.MaxInt64)
