package attack

import (
	"sync/atomic"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// job is one arrival for one target.
type job struct {
	intended time.Duration
	iv       *interval
}

// A sender sends a target's requests. send never blocks the scheduler; the
// sender calls runner.finish exactly once for every job it was given.
type sender interface {
	// prewarm opens n connections' worth of capacity before time zero (a
	// dial is not a request; the target's function does not run for it).
	prewarm(n int)
	// send starts j. It reports whether it started a goroutine, which then
	// waits in the scheduler's P until the scheduler yields.
	send(j job) (spawned bool)
	// abort fails every request in flight at once (a second Ctrl-C). It
	// may run while the scheduler still sends.
	abort()
	// shutdown closes idle connections once the scheduler has stopped and
	// every request is over.
	shutdown()
}

// runner is one target's share of a run: its in-flight cap, its sender and
// its running totals. The cap bounds requests between dispatch and finish;
// beyond it an arrival is counted as not sent, never queued or delayed.
type runner struct {
	idx      int
	t        *Target
	eng      *engine
	s        sender
	prep     *preparer // nil when every request is the same bytes
	inFlight atomic.Int64
	cap      int64

	// watch, when set, receives the outcome of the next finished request
	// (forced cold starts wait for each sample).
	watch atomic.Pointer[chan int]

	// conns collects what the sender's connections did, for the interval
	// open now.
	conns connStats

	// Running totals for the progress line.
	completed, failed, notSent atomic.Int64
}

func newRunner(idx int, t *Target, eng *engine) (*runner, error) {
	r := &runner{idx: idx, t: t, eng: eng, cap: int64(t.MaxInFlight)}
	s, err := newSender(r)
	if err != nil {
		return nil, err
	}
	r.s = s
	return r, nil
}

// dispatch offers one arrival to the target. It never blocks, and reports
// whether it started a goroutine.
func (r *runner) dispatch(j job) (spawned bool) {
	t := r.idx
	j.iv.offered[t]++
	n := r.inFlight.Add(1)
	if n > r.cap {
		r.inFlight.Add(-1)
		j.iv.notSent[t]++
		r.notSent.Add(1)
		return false
	}
	if n > j.iv.peakInFlight[t] {
		j.iv.peakInFlight[t] = n
	}
	j.iv.outstanding.Add(1)
	r.eng.wg.Add(1)
	return r.s.send(j)
}

// finish records a request that is over, against its intended send time.
func (r *runner) finish(j job, res *result) {
	eng := r.eng
	res.latency = int64(time.Since(eng.start) - j.intended)
	tagColdStart(res, r.t.Detect)
	r.inFlight.Add(-1)
	r.completed.Add(1)
	if res.outcome == rundir.IndexError {
		r.failed.Add(1)
	}
	j.iv.record(r.idx, res, j.intended)
	if w := r.watch.Load(); w != nil {
		select {
		case *w <- res.outcome:
		default:
		}
	}
	eng.rec.finished(j.iv)
	eng.wg.Done()
}

// failUnsent records j as failed with err without its having been sent (no
// connection, the run aborted, its credentials expired).
func (r *runner) failUnsent(j job, err error) {
	res := result{class: -1, evidence: -1, lag: int64(time.Since(r.eng.start) - j.intended)}
	res.outcome, res.class, res.errMsg = rundir.IndexError, classifyErr(err), err.Error()
	r.finish(j, &res)
}
