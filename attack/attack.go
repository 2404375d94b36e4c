package attack

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fnbench/fnbench/scenarios"
)

// Options say what to run and where to write it.
type Options struct {
	Plan    *scenarios.Plan
	Targets []Target // in the plan's order; see TargetsFromPlan
	OutDir  string   // created; must not hold a run already
	Tool    ToolInfo
	Shard   ShardInfo

	// Progress receives live progress; nil for none.
	Progress *Progress

	// Drain bounds how long an interrupted run waits for requests in flight.
	// Zero means each target's own timeout.
	Drain time.Duration
	// Abort, when closed, cancels requests in flight at once (a second
	// Ctrl-C). Nil means never.
	Abort <-chan struct{}
}

// Outcome is how a run ended.
type Outcome struct {
	Dir    string
	Status string // StatusComplete, StatusInterrupted or StatusFailed
	Reason string
	Seed   int64
}

// Run attacks the plan's targets on one shared timeline and writes the run
// directory. Cancelling ctx stops sending: requests in flight still finish
// (up to their timeout) and the run is marked interrupted. The returned error
// is set only when the run directory could not be written; a run whose every
// request failed is still a measured run.
func Run(ctx context.Context, opt Options) (*Outcome, error) {
	plan := opt.Plan
	sc := &plan.Scenario
	seed := sc.Seed
	if !sc.HasSeed {
		seed = rand.Int64()
	}
	start := time.Now()
	dir, err := createRunDir(opt.OutDir, start)
	if err != nil {
		return nil, err
	}
	info, err := newRunInfo(opt, seed, start)
	if err != nil {
		dir.close()
		return nil, err
	}
	if err := WriteRunInfo(opt.OutDir, info); err != nil {
		dir.close()
		return nil, err
	}

	names := make([]string, len(opt.Targets))
	for i := range opt.Targets {
		names[i] = opt.Targets[i].Name
	}
	rec := newRecorder(dir, names)
	stopFlusher := make(chan struct{})
	go rec.run(stopFlusher)

	// Requests run under their own context: cancelling ctx stops the
	// schedule, not the requests already sent.
	reqCtx, abortRequests := context.WithCancel(context.Background())
	defer abortRequests()
	if opt.Abort != nil {
		go func() {
			select {
			case <-opt.Abort:
				abortRequests()
			case <-reqCtx.Done():
			}
		}()
	}

	eng := &engine{
		plan:    plan,
		rec:     rec,
		redact:  plan.Redactor,
		start:   start,
		reqCtx:  reqCtx,
		targets: make([]*runner, len(opt.Targets)),
	}
	for i := range opt.Targets {
		eng.targets[i] = newRunner(i, &opt.Targets[i], eng)
	}
	if opt.Progress != nil {
		opt.Progress.start(eng)
	}

	restoreP := reserveSchedulerP()
	interrupted := eng.schedule(ctx, seed)
	restoreP()

	// Wait for requests in flight, bounded by Drain if set.
	waited := make(chan struct{})
	go func() { eng.wg.Wait(); close(waited) }()
	if opt.Drain > 0 {
		select {
		case <-waited:
		case <-time.After(opt.Drain):
			abortRequests()
			<-waited
		}
	} else {
		<-waited
	}
	close(stopFlusher)
	<-rec.done
	if opt.Progress != nil {
		opt.Progress.stop()
	}
	for _, r := range eng.targets {
		r.client.CloseIdleConnections()
	}

	out := &Outcome{Dir: opt.OutDir, Status: StatusComplete, Seed: seed}
	if interrupted {
		out.Status, out.Reason = StatusInterrupted, "stopped by a signal before the schedule ended"
		ev := Event{Type: "interrupted", AtNanos: int64(eng.stoppedAt)}
		dir.writeJSONLine(dir.evBuf, &ev)
	}
	werr := rec.err
	if cerr := dir.close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		out.Status, out.Reason = StatusFailed, werr.Error()
	}
	info.Status, info.StatusReason, info.EndTime = out.Status, out.Reason, time.Now()
	if err := WriteRunInfo(opt.OutDir, info); err != nil && werr == nil {
		werr = err
	}
	if werr != nil {
		return out, fmt.Errorf("writing run directory %s: %w", opt.OutDir, werr)
	}
	return out, nil
}

func newRunInfo(opt Options, seed int64, start time.Time) (*RunInfo, error) {
	plan := opt.Plan
	scen, err := json.Marshal(plan.Redacted)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	info := &RunInfo{
		FormatVersion:  FormatVersion,
		Tool:           opt.Tool,
		Scenario:       scen,
		ScenarioFile:   FileInfo{Path: plan.Source, SHA256: plan.SHA256},
		Seed:           seed,
		Arrivals:       string(plan.Scenario.Traffic.Arrivals),
		IntervalNanos:  int64(plan.Scenario.Interval),
		ExpectedPerTgt: plan.Schedule.ExpectedRequests(plan.Scenario.Traffic.Arrivals),
		StartTime:      start,
		Status:         StatusRunning,
		Host:           HostInfo{Hostname: host, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()},
		Shard:          opt.Shard,
	}
	if info.Shard.Count == 0 {
		info.Shard = ShardInfo{Index: 0, Count: 1}
	}
	if info.Tool.Name == "" {
		info.Tool.Name = "fnbench"
	}
	info.Tool.GoVersion = runtime.Version()
	for i := range opt.Targets {
		t := &opt.Targets[i]
		info.Targets = append(info.Targets, TargetInfo{
			Name: t.Name, Kind: t.Kind, Provider: t.Provider, Simulated: t.Simulated,
			URL:         plan.Redactor.Redact(plan.Redacted.Targets[i].URL),
			Method:      t.Request.Method,
			TimeoutNs:   int64(t.Timeout),
			MaxInFlight: t.MaxInFlight,
		})
	}
	for _, p := range plan.Schedule.Phases {
		info.Phases = append(info.Phases, PhaseInfo{
			Index: p.Index, Name: p.Name, Shape: plan.Scenario.Traffic.Phases[p.Index].Shape,
			StartNanos: int64(p.Start), EndNanos: int64(p.End),
			ExpectedReq: p.Shape.Count(p.End - p.Start),
		})
	}
	return info, nil
}

// engine is one run's shared state.
type engine struct {
	plan    *scenarios.Plan
	rec     *recorder
	redact  *scenarios.Redactor
	start   time.Time
	reqCtx  context.Context
	targets []*runner
	wg      sync.WaitGroup

	// Read by the progress line.
	elapsed   atomic.Int64 // ns; the scheduler's latest clock reading
	phase     atomic.Int64
	stoppedAt time.Duration
}

// job is one request handed to a worker.
type job struct {
	intended time.Duration
	iv       *interval
}

// runner sends one target's requests through a pool of workers that grows
// on demand. The in-flight cap bounds requests between send and record;
// beyond it an arrival is counted as not sent, never queued or delayed.
type runner struct {
	idx      int
	t        *Target
	eng      *engine
	client   *http.Client
	jobs     chan job
	inFlight atomic.Int64
	cap      int64

	// Running totals for the progress line.
	completed, failed, notSent atomic.Int64
}

func newRunner(idx int, t *Target, eng *engine) *runner {
	return &runner{
		idx:    idx,
		t:      t,
		eng:    eng,
		client: newClient(t),
		jobs:   make(chan job),
		cap:    int64(t.MaxInFlight),
	}
}

// dispatch offers one arrival to the target. It never blocks.
func (r *runner) dispatch(j job) {
	t := r.idx
	j.iv.offered[t]++
	n := r.inFlight.Add(1)
	if n > r.cap {
		r.inFlight.Add(-1)
		j.iv.notSent[t]++
		r.notSent.Add(1)
		return
	}
	if n > j.iv.peakInFlight[t] {
		j.iv.peakInFlight[t] = n
	}
	j.iv.outstanding.Add(1)
	select {
	case r.jobs <- j:
	default:
		// Every worker is busy: start one more. Their number stays within
		// the in-flight cap plus those just finishing.
		r.eng.wg.Add(1)
		go r.work(j)
	}
}

func (r *runner) work(j job) {
	defer r.eng.wg.Done()
	for {
		r.do(j)
		var ok bool
		if j, ok = <-r.jobs; !ok {
			return
		}
	}
}

// do sends one request and records it against its intended send time.
func (r *runner) do(j job) {
	eng := r.eng
	sent := time.Since(eng.start)
	res := result{class: -1, lag: int64(sent - j.intended)}
	// The timeout runs from the intended send time, like the latency: a
	// request sent late has less time left, so latency never exceeds it.
	ctx, cancel := context.WithDeadline(eng.reqCtx, eng.start.Add(j.intended+r.t.Timeout))
	hit(ctx, r.client, &r.t.Request, &res)
	cancel()
	res.latency = int64(time.Since(eng.start) - j.intended)
	if res.errMsg != "" && res.class >= 0 {
		res.errMsg = eng.redact.Redact(res.errMsg)
	}
	r.inFlight.Add(-1)
	r.completed.Add(1)
	if res.outcome == outcomeIndexError {
		r.failed.Add(1)
	}
	j.iv.record(r.idx, &res, j.intended)
	eng.rec.finished(j.iv)
}

// schedule walks the timeline: it sleeps until each intended send time,
// offers the arrival to every target at that same moment, and opens and
// closes recording intervals as their boundaries pass. It reports whether
// ctx stopped it before the schedule ended.
func (e *engine) schedule(ctx context.Context, seed int64) (interrupted bool) {
	// The scheduler's thread is locked for precise sleeps; run it on a
	// goroutine of its own so the caller's thread stays free.
	done := make(chan bool)
	go func() {
		s := newSleeper(e.start)
		defer s.release()
		done <- e.walk(ctx, s, seed)
	}()
	interrupted = <-done
	for _, r := range e.targets {
		close(r.jobs)
	}
	return interrupted
}

func (e *engine) walk(ctx context.Context, s *sleeper, seed int64) bool {
	sched := e.plan.Schedule
	every := e.plan.Scenario.Interval
	gen := sched.Arrivals(e.plan.Scenario.Traffic.Arrivals, seed)
	nextAt, _, more := gen.Next()

	seq := 0
	ivs := newIntervalClock(sched, every)
	istart, iend, iphase, _ := ivs.next()
	iv := e.rec.open(seq, iphase, istart, iend)
	e.phase.Store(int64(iphase))
	for {
		wake := iend
		if more && nextAt < iend {
			wake = nextAt
		}
		now, err := s.until(ctx, wake)
		e.elapsed.Store(int64(now))
		if err != nil {
			e.stoppedAt = now
			if now < iv.end {
				iv.end = max(now, iv.start)
			}
			e.rec.close(iv)
			return true
		}
		// Offer everything due by now, then move past the interval
		// boundaries that have passed.
		dispatched := false
		for more && nextAt < iend && nextAt <= now {
			j := job{intended: nextAt, iv: iv}
			for _, r := range e.targets {
				r.dispatch(j)
			}
			dispatched = true
			nextAt, _, more = gen.Next()
		}
		if dispatched {
			// A woken worker waits in this P's run-next slot; this
			// goroutine is about to hold the P in a fine sleep, so let the
			// workers run first.
			runtime.Gosched()
		}
		for iend <= now {
			e.rec.close(iv)
			var ok bool
			if istart, iend, iphase, ok = ivs.next(); !ok {
				return false
			}
			seq++
			iv = e.rec.open(seq, iphase, istart, iend)
			e.phase.Store(int64(iphase))
		}
	}
}

// intervalClock cuts the timeline into recording intervals: multiples of the
// interval length, also cut at phase boundaries so each interval lies in one
// phase.
type intervalClock struct {
	sched *scenarios.Schedule
	every time.Duration
	at    time.Duration
}

func newIntervalClock(s *scenarios.Schedule, every time.Duration) *intervalClock {
	return &intervalClock{sched: s, every: every}
}

func (c *intervalClock) next() (start, end time.Duration, phase int, ok bool) {
	total := c.sched.Duration()
	if c.at >= total {
		return 0, 0, 0, false
	}
	start = c.at
	phase = c.sched.PhaseAt(start)
	end = (start/c.every + 1) * c.every
	if pe := c.sched.Phases[phase].End; end > pe {
		end = pe
	}
	c.at = end
	return start, end, phase, true
}
