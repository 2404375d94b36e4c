package attack

import (
	"context"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// Force asks Run for forced cold starts before the traffic: Count cold
// samples from each target in Targets, one invocation at a time, each
// after Prepare has made sure that the next invocation starts a new
// execution environment (for Lambda, a configuration update that has
// finished). A sample that turns out warm is counted and tried again, as
// SeBS does, up to MaxAttempts invocations per target.
//
// The samples are a phase of their own, "forced-cold", at the start of the
// run's timeline; the traffic's phases follow it.
type Force struct {
	Count       int
	Targets     []int // indexes into Options.Targets
	MaxAttempts int   // per target; 0 means 3 × Count
	Prepare     func(ctx context.Context, target int) error
}

// force collects the forced samples, target after target. It reports
// whether ctx stopped it.
func (e *engine) force(ctx context.Context, f *Force) (results []rundir.ForcedResult, interrupted bool) {
	seq := 0
	for _, ti := range f.Targets {
		r := e.targets[ti]
		res := rundir.ForcedResult{Target: r.t.Name, Wanted: f.Count}
		limit := f.MaxAttempts
		if limit <= 0 {
			limit = 3 * f.Count
		}
		for res.Cold < f.Count && res.Attempts < limit {
			if err := f.Prepare(ctx, ti); err != nil {
				if ctx.Err() != nil {
					interrupted = true
				} else {
					res.Error = e.plan.Redactor.Redact(err.Error())
				}
				break
			}
			// The run's time zero may lie a little ahead (startLead): a
			// sample is taken on the timeline, never before it.
			if wait := time.Until(e.start); wait > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
			}
			if ctx.Err() != nil {
				interrupted = true
				break
			}
			now := time.Since(e.start)
			iv := e.rec.open(seq, 0, now, now+time.Nanosecond)
			seq++
			e.elapsed.Store(int64(now))
			watch := make(chan int, 1)
			r.watch.Store(&watch)
			r.dispatch(job{intended: now, iv: iv})
			outcome := <-watch
			r.watch.Store(nil)
			iv.end = max(time.Since(e.start), iv.start+time.Nanosecond)
			e.closeInterval(iv)
			res.Attempts++
			switch outcome {
			case rundir.IndexCold:
				res.Cold++
			case rundir.IndexWarm:
				res.Warm++
			default:
				res.Errors++
			}
		}
		results = append(results, res)
		if interrupted {
			break
		}
	}
	e.seq = seq
	return results, interrupted
}
