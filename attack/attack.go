package attack

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/coldinfer"
	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// Options say what to run and where to write it.
type Options struct {
	Plan    *scenarios.Plan
	Targets []Target // in the plan's order; see TargetsFromPlan
	OutDir  string   // created; must not hold a run already
	Tool    rundir.ToolInfo
	Shard   rundir.ShardInfo

	// Progress receives live progress; nil for none.
	Progress *Progress

	// Drain bounds how long an interrupted run waits for requests in flight.
	// Zero means each target's own timeout.
	Drain time.Duration
	// Abort, when closed, cancels requests in flight at once (a second
	// Ctrl-C). Nil means never.
	Abort <-chan struct{}
	// Force, when set, collects forced cold starts before the traffic.
	Force *Force
	// Watch, when set, sees every interval as it is written and may end
	// the attack early (a threshold certainly lost).
	Watch Watcher

	// StartAt, when set, is the instant the schedule's clock starts, agreed
	// with the other shards of a distributed run: the run waits for it
	// (warming up just before), and a shard ready too late starts at once
	// and records by how much it missed. Clock is what the caller knows of
	// this machine's clock, recorded with it in run.json.
	StartAt time.Time
	Clock   rundir.ClockInfo
	// Upload is recorded in run.json: where the caller mirrors the run
	// directory.
	Upload string
}

// A Watcher follows a run interval by interval. Begin is called once, before
// the first interval, with run.json as it is at time zero (phase indexes,
// names and expected requests are final; a forced-cold phase's end is not
// known yet). Interval is called from the recorder's goroutine with each
// target's counters and latency histograms (indexed by rundir.Outcomes) of
// every interval, in timeline order. A non-empty reason from Interval stops
// the schedule: the run ends with status aborted and that reason. The
// histograms are the recorder's and valid only during the call.
type Watcher interface {
	Begin(info *rundir.RunInfo)
	Interval(target int, c *rundir.IntervalCounts, latency *[len(rundir.Outcomes)]*hdr.Histogram) (stop string)
}

// Outcome is how a run ended.
type Outcome struct {
	Dir    string
	Status string // rundir.StatusComplete, StatusInterrupted, StatusAborted or StatusFailed
	Reason string
	Seed   int64
	Forced []rundir.ForcedResult // per forced target, when Options.Force was set
}

// Run attacks the plan's targets on one shared timeline and writes the run
// directory. Cancelling ctx stops sending: requests in flight still finish
// (up to their timeout) and the run is marked interrupted. The returned error
// is set only when the run directory could not be written; a run whose every
// request failed is still a measured run.
func Run(ctx context.Context, opt Options) (*Outcome, error) {
	seed := opt.Plan.Scenario.Seed
	if !opt.Plan.Scenario.HasSeed {
		seed = rand.Int64()
	}
	eng, err := newEngine(opt)
	if err != nil {
		return nil, err
	}
	ctx, stopSchedule := context.WithCancelCause(ctx)
	defer stopSchedule(nil)
	dir, info, err := eng.begin(ctx, opt, seed, stopSchedule)
	if err != nil {
		eng.shutdown()
		return nil, err
	}
	abort, stopAbort := eng.abortOn(opt.Abort)
	defer stopAbort()
	if opt.Progress != nil {
		opt.Progress.start(eng)
	}

	out := &Outcome{Dir: opt.OutDir, Status: rundir.StatusComplete, Seed: seed}
	var forceErr error
	interrupted := false
	if opt.Force != nil {
		out.Forced, interrupted, forceErr = eng.forcePhase(ctx, opt, info)
	}
	defer relaxGC()()
	defer reserveSchedulerP()()
	if !interrupted {
		interrupted = eng.schedule(ctx, seed)
	}
	var aborted *abortError
	if interrupted && errors.As(context.Cause(ctx), &aborted) {
		out.Status, out.Reason = rundir.StatusAborted, aborted.reason
	}
	eng.drain(opt.Drain, abort)
	if opt.Progress != nil {
		opt.Progress.stop()
	}
	eng.shutdown()
	return out, eng.finish(dir, info, out, interrupted, forceErr)
}

// newEngine sets up a sender for every target.
func newEngine(opt Options) (*engine, error) {
	eng := &engine{
		shard:   opt.Shard,
		plan:    opt.Plan,
		targets: make([]*runner, len(opt.Targets)),
	}
	for i := range opt.Targets {
		r, err := newRunner(i, &opt.Targets[i], eng)
		if err != nil {
			eng.shutdown()
			return nil, err
		}
		eng.targets[i] = r
	}
	return eng, nil
}

// shutdown stops every target's sender.
func (e *engine) shutdown() {
	for _, r := range e.targets {
		if r != nil {
			r.s.shutdown()
		}
	}
}

// begin creates the run directory, warms the senders up, fixes the run's
// time zero, writes run.json (status running) and starts the recorder,
// which tells opt.Watch of every interval and calls stop when the watcher
// asks or a write fails.
func (e *engine) begin(ctx context.Context, opt Options, seed int64, stop func(cause error)) (*rundir.Writer, *rundir.RunInfo, error) {
	dir, err := rundir.Create(opt.OutDir)
	if err != nil {
		return nil, nil, err
	}
	// Connections opened long before an agreed start would idle out: warm
	// up in the last seconds before it.
	waitUntil(ctx, opt.StartAt.Add(-warmBeforeStart))
	var warm sync.WaitGroup
	for _, r := range e.targets {
		warm.Add(1)
		go func() {
			defer warm.Done()
			r.s.prewarm(warmConns(r.t, opt.Plan.Schedule, e.shard.Count))
			r.conns.prewarmed()
		}()
	}
	warm.Wait()
	// Collect now, before time zero, what set-up left behind, so that the
	// first collection of the run comes late and finds little to do.
	runtime.GC()
	// Time zero lies a little ahead, so that writing the headers and
	// run.json never makes the first arrivals late.
	start := time.Now().Add(startLead)
	if !opt.StartAt.IsZero() {
		// Wake a lead early, so that time zero can be the agreed instant
		// itself, not the moment after it that waking and writing run.json
		// would reach.
		waitUntil(ctx, opt.StartAt.Add(-2*startLead))
		start = opt.StartAt
		if ready := time.Now().Add(startLead); ready.After(start) {
			start = ready
		}
	}
	info, err := newRunInfo(opt, seed, start)
	if err == nil {
		err = dir.Begin(start, "")
	}
	if err == nil {
		err = rundir.WriteInfo(opt.OutDir, info)
	}
	if err != nil {
		dir.Close()
		return nil, nil, err
	}
	names := make([]string, len(opt.Targets))
	for i := range opt.Targets {
		names[i] = opt.Targets[i].Name
	}
	e.rec, e.start = newRecorder(dir, names, opt.Plan.Redactor, detectors(opt.Targets)), start
	for i, t := range opt.Targets {
		if t.Provider == platform.Azure || t.Provider == platform.AWSLambda {
			e.rec.billMarkers(i, t.Provider == platform.Azure)
		}
	}
	// A checkpoint per interval: a kill loses at most the interval under
	// way, whatever the timeout (rundir.PendingFile).
	e.rec.checkpointEvery = max(opt.Plan.Scenario.Interval, 100*time.Millisecond)
	e.rec.stop = stop
	if opt.Watch != nil {
		opt.Watch.Begin(info)
		e.rec.watcher = opt.Watch
	}
	e.stopRecorder = make(chan struct{})
	go e.rec.run(e.stopRecorder)
	return dir, info, nil
}

// abortOn returns the function that fails every request in flight at once,
// and calls it when stop is closed (a second Ctrl-C). Cancelling the run's
// context stops the schedule, not the requests already sent.
func (e *engine) abortOn(stop <-chan struct{}) (abort, done func()) {
	var once sync.Once
	abort = func() {
		once.Do(func() {
			for _, r := range e.targets {
				r.s.abort()
			}
		})
	}
	finished := make(chan struct{})
	if stop != nil {
		go func() {
			select {
			case <-stop:
				abort()
			case <-finished:
			}
		}()
	}
	return abort, func() { close(finished) }
}

// forcePhase collects the forced cold starts, then moves the traffic's
// timeline to the next interval boundary after the last sample and tells
// run.json where the forced phase ended.
func (e *engine) forcePhase(ctx context.Context, opt Options, info *rundir.RunInfo) (forced []rundir.ForcedResult, interrupted bool, err error) {
	e.phaseBase = 1
	e.phase.Store(-1)
	forced, interrupted = e.force(ctx, opt.Force)
	every := opt.Plan.Scenario.Interval
	e.offset = (time.Since(e.start)/every + 1) * every
	e.offsetNs.Store(int64(e.offset))
	info.Forced = forced
	info.Phases = phaseInfos(opt.Plan, true, e.offset)
	return forced, interrupted, rundir.WriteInfo(opt.OutDir, info)
}

// drain waits for the requests in flight, at most limit when it is set
// (then the rest are aborted), and for the recorder to write them all.
func (e *engine) drain(limit time.Duration, abort func()) {
	waited := make(chan struct{})
	go func() { e.wg.Wait(); close(waited) }()
	if limit > 0 {
		select {
		case <-waited:
		case <-time.After(limit):
			abort()
			<-waited
		}
	} else {
		<-waited
	}
	close(e.stopRecorder)
	<-e.rec.done
	if e.rec.err == nil {
		e.rec.err = e.rec.writeInstances()
	}
}

// TargetInfos is what run.json says of each target: its kind, provider,
// address (secrets redacted), limits and what is known of its function.
func TargetInfos(plan *scenarios.Plan, targets []Target) []rundir.TargetInfo {
	var out []rundir.TargetInfo
	for i := range targets {
		t := &targets[i]
		out = append(out, rundir.TargetInfo{
			Name: t.Name, Kind: t.Kind, Provider: t.Provider, Simulated: t.Simulated,
			Plan: t.Plan, Region: t.Region,
			URL:         targetURL(plan, i, t),
			Method:      t.Request.Method,
			TimeoutNs:   int64(t.Timeout),
			MaxInFlight: t.MaxInFlight,
			Function:    t.Function, Qualifier: t.Qualifier,
			Auth:     plan.Scenario.Targets[i].Auth.Type,
			MemoryMB: t.Meta.MemoryMB, Arch: t.Meta.Arch,
			Gateway: t.Gateway,
		})
		if t.Meta != (rundir.FunctionMeta{}) {
			m := t.Meta
			out[i].Meta = &m
		}
	}
	return out
}

// abortError is why a watcher stopped the schedule.
type abortError struct{ reason string }

func (e *abortError) Error() string { return "aborted: " + e.reason }

// finish ends the run directory: the interruption event, the files closed,
// and run.json's final status. Its error is the first write failure.
func (e *engine) finish(dir *rundir.Writer, info *rundir.RunInfo, out *Outcome, interrupted bool, forceErr error) error {
	werr := e.rec.err
	if interrupted {
		if out.Status != rundir.StatusAborted {
			out.Status, out.Reason = rundir.StatusInterrupted, "stopped by a signal before the schedule ended"
		}
		ev := rundir.Event{Type: rundir.EventInterrupted, AtNanos: int64(e.stoppedAt)}
		if err := dir.Event(&ev); werr == nil {
			werr = err
		}
	}
	if werr == nil {
		werr = forceErr
	}
	if cerr := dir.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		out.Status, out.Reason = rundir.StatusFailed, werr.Error()
	}
	info.Status, info.StatusReason, info.EndTime = out.Status, out.Reason, time.Now()
	if err := rundir.WriteInfo(out.Dir, info); err != nil && werr == nil {
		werr = err
	}
	return werr
}

func newRunInfo(opt Options, seed int64, start time.Time) (*rundir.RunInfo, error) {
	plan := opt.Plan
	scen, err := json.Marshal(plan.Redacted)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	info := &rundir.RunInfo{
		FormatVersion:  rundir.FormatVersion,
		Tool:           opt.Tool,
		Scenario:       scen,
		ScenarioFile:   rundir.FileInfo{Path: plan.Source, SHA256: plan.SHA256},
		Seed:           seed,
		Arrivals:       string(plan.Scenario.Traffic.Arrivals),
		IntervalNanos:  int64(plan.Scenario.Interval),
		ExpectedPerTgt: plan.Schedule.ExpectedRequests(plan.Scenario.Traffic.Arrivals),
		StartTime:      start,
		Status:         rundir.StatusRunning,
		Host:           rundir.HostInfo{Hostname: host, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()},
		Shard:          opt.Shard,
	}
	if info.Shard.Count == 0 {
		info.Shard = rundir.ShardInfo{Index: 0, Count: 1}
	}
	if info.Tool.Name == "" {
		info.Tool.Name = "fnbench"
	}
	info.Tool.GoVersion = runtime.Version()
	info.Targets = TargetInfos(plan, opt.Targets)
	info.Phases = phaseInfos(plan, opt.Force != nil, 0)
	info.Upload = opt.Upload
	if !opt.StartAt.IsZero() {
		c := opt.Clock
		c.StartAt, c.StartErrorNs = opt.StartAt.UTC(), int64(start.Sub(opt.StartAt))
		if c.OffsetSource == "" {
			c.OffsetSource = rundir.ClockUnknown
		}
		info.Clock = &c
	}
	return info, nil
}

// warmBeforeStart is how long before an agreed start (Options.StartAt) the
// senders open their connections.
const warmBeforeStart = 3 * time.Second

// waitUntil sleeps until t, or until ctx ends (an interrupted wait starts
// the run at once, and the schedule then sees ctx ended). A zero or past t
// returns at once.
func waitUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if t.IsZero() || d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// detectors makes a cold-start detector for each target that infers cold
// starts: with detection inferred, every target; with auto, the serverless
// ones (a target of unknown provider is any URL, whose slow responses are
// not cold starts). On Lambda one environment serves one request at a
// time; elsewhere the detector learns how many requests an instance takes
// at once.
func detectors(ts []Target) []*coldinfer.Detector {
	out := make([]*coldinfer.Detector, len(ts))
	for i := range ts {
		if infers(&ts[i]) {
			cfg := coldinfer.Config{}
			if ts[i].Provider == platform.AWSLambda {
				cfg.InstanceConcurrency = 1
			}
			out[i] = coldinfer.New(cfg)
		}
	}
	return out
}

// infers reports whether a target's cold starts may be inferred; see
// detectors.
func infers(t *Target) bool {
	return t.Detect == scenarios.DetectInferred || (t.Detect == scenarios.DetectAuto && t.Provider != platform.Generic)
}

// wants is what a target's senders read beyond the usual: the platform's
// request id when it infers, and markers in the payload of an Invoke (its
// function cannot set headers) when detection may use markers.
func wants(t *Target) signals {
	payload := t.Kind == scenarios.KindAWSLambda &&
		(t.Detect == scenarios.DetectAuto || t.Detect == scenarios.DetectMarker || t.Detect == scenarios.DetectInferred)
	return signals{wantID: infers(t), wantPayload: payload}
}

// targetURL is what run.json shows of a target's address, secrets
// redacted: the scenario's URL, or for an aws-lambda target the Invoke
// API's (which holds no secret).
func targetURL(plan *scenarios.Plan, i int, t *Target) string {
	if t.Kind == scenarios.KindAWSLambda {
		return plan.Redactor.Redact(t.Request.URL)
	}
	return plan.Redactor.Redact(plan.Redacted.Targets[i].URL)
}

// phaseInfos lists the run's phases: the forced-cold phase first when there
// is one, ending at offset (0 while unknown), then the traffic's, shifted
// by offset.
func phaseInfos(plan *scenarios.Plan, forced bool, offset time.Duration) []rundir.PhaseInfo {
	var out []rundir.PhaseInfo
	if forced {
		out = append(out, rundir.PhaseInfo{Index: 0, Name: rundir.ForcedPhase, Shape: "forced", EndNanos: int64(offset)})
	}
	for _, p := range plan.Schedule.Phases {
		out = append(out, rundir.PhaseInfo{
			Index: len(out), Name: p.Name, Shape: plan.Scenario.Traffic.Phases[p.Index].Shape,
			StartNanos: int64(p.Start + offset), EndNanos: int64(p.End + offset),
			ExpectedReq: p.Shape.Count(p.End - p.Start),
		})
	}
	return out
}

// relaxGC makes the collector run less often during a run, unless the user
// set GOGC: the engine's live heap is small and bounded, so a higher
// percentage costs a few megabytes and saves the pauses and mark assists
// that show up as schedule lag. It returns the function that restores it.
func relaxGC() (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	prev := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(prev) }
}

// startLead is how far ahead of the set-up's end the run's time zero lies.
const startLead = 20 * time.Millisecond

// engine is one run's shared state.
type engine struct {
	plan    *scenarios.Plan
	rec     *recorder
	start   time.Time
	targets []*runner
	wg      sync.WaitGroup

	stopRecorder chan struct{} // closed once every request was recorded

	// Forced cold starts come first: the traffic's timeline then starts at
	// offset, its phases are numbered from phaseBase and its intervals from
	// seq.
	offset    time.Duration
	offsetNs  atomic.Int64     // offset, for the progress line
	shard     rundir.ShardInfo // this run's share of the arrivals
	phaseBase int
	seq       int

	// Read by the progress line.
	elapsed   atomic.Int64 // ns; the scheduler's latest clock reading
	phase     atomic.Int64 // index into the schedule's phases; -1 while forcing
	stoppedAt time.Duration
}

// schedule walks the timeline: it sleeps until each intended send time,
// offers the arrival to every target at that same moment, and opens and
// closes recording intervals as their boundaries pass. It reports whether
// ctx stopped it before the schedule ended.
func (e *engine) schedule(ctx context.Context, seed int64) (interrupted bool) {
	return e.walk(ctx, newSleeper(e.start), seed)
}

func (e *engine) walk(ctx context.Context, s *sleeper, seed int64) bool {
	sched := e.plan.Schedule
	every := e.plan.Scenario.Interval
	gen := sched.Arrivals(e.plan.Scenario.Traffic.Arrivals, seed)
	nextAt, _, more := gen.Next()

	// The traffic's timeline starts at e.offset, after any forced cold
	// starts; its phases follow theirs in the run's phase list.
	off, base := e.offset, e.phaseBase
	shard, shards, arrival := e.shard.Index, e.shard.Count, 0
	nextAt += off
	seq := e.seq
	ivs := newIntervalClock(sched, every)
	istart, iend, iphase, _ := ivs.next()
	istart, iend = istart+off, iend+off
	iv := e.rec.open(seq, iphase+base, istart, iend)
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
			iv.last = true
			e.closeInterval(iv)
			return true
		}
		// Offer everything due by now, then move past the interval
		// boundaries that have passed.
		spawned := false
		for more && nextAt < iend && nextAt <= now {
			// A shard sends every Count-th arrival of the schedule.
			if shards <= 1 || arrival%shards == shard {
				j := job{intended: nextAt, iv: iv}
				for _, r := range e.targets {
					if r.dispatch(j) {
						spawned = true
					}
				}
			}
			arrival++
			nextAt, _, more = gen.Next()
			nextAt += off
		}
		if spawned {
			// A goroutine readied here waits in this P's run-next slot,
			// which no other P serves while this one sleeps: let it run
			// first.
			runtime.Gosched()
		}
		for iend <= now {
			var ok bool
			if istart, iend, iphase, ok = ivs.next(); !ok {
				iv.last = true
				e.closeInterval(iv)
				return false
			}
			e.closeInterval(iv)
			istart, iend = istart+off, iend+off
			seq++
			iv = e.rec.open(seq, iphase+base, istart, iend)
			e.phase.Store(int64(iphase))
		}
	}
}

// closeInterval hands iv what each target's connections did while it was
// open, then closes it.
func (e *engine) closeInterval(iv *interval) {
	for _, r := range e.targets {
		phases, c := r.conns.take()
		iv.addConns(r.idx, phases, &c)
	}
	e.rec.close(iv)
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
