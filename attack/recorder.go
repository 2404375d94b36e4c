package attack

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/coldinfer"
	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// A result is what a sender learned from one request.
type result struct {
	outcome  int   // index into rundir.Outcomes
	class    int   // index into rundir.Classes, or -1 when the request succeeded
	status   int   // HTTP status, 0 when there was no response
	latency  int64 // ns, completion − intended send time
	lag      int64 // ns, actual send − intended send time
	bytesIn  int64
	bytesOut int64
	errMsg   string // set only for errors; redacted when written

	// Cold-start evidence: evidence indexes Evidences for a cold result;
	// instance names the execution environment when it is known.
	evidence int
	instance string
	init     time.Duration // init (or restore) duration, when reported

	// What the response said, read once latency is known (tagColdStart).
	markers   markers
	logResult string // X-Amz-Log-Result, base64
	requestID string // X-Amzn-RequestId, read when the target infers
	bill      bill   // from the REPORT line in logResult
	inferable bool   // no evidence either way: the recorder may infer
	// latencyOnly: detection is inferred, which judges by latency alone
	// (a marker's instance id is not passed to the detector).
	latencyOnly bool

	// Timing, where the sender sees it: written → first byte of the
	// response, and first → last byte (ns; ttfb 0 when unknown); how the
	// request used its connection (connFresh, connReused), and whether it
	// waited for one.
	ttfb, transfer int64
	conn           int8
	waited         bool
}

// interval accumulates one slice of the timeline: [start, end) within one
// phase. The scheduler writes the offered/sent side while the interval is
// open; senders record results under mu; the flusher reads it all once the
// interval is closed and no request intended in it is still in flight.
type interval struct {
	seq        int
	phase      int
	start, end time.Duration

	outstanding atomic.Int64 // requests sent and not yet recorded
	closed      atomic.Bool  // no more arrivals will be added
	// last marks the schedule's final interval (set before closed): when
	// it is written, no request is still to come.
	last bool

	// Written by the scheduler only, before closed is set.
	offered, notSent []int64
	peakInFlight     []int64

	mu      sync.Mutex
	targets []targetInterval
	infers  []bool // per target: successes without evidence wait for inference
	markers []bool // per target: billed from the function's markers (recordMarkers)
	spans   []bool // per target: its executions kept for the execution periods

	// opened is when the scheduler opened the interval, by the wall
	// clock, when a target infers: the client's own delay over the
	// interval's responses is measured from then to when they were all
	// recorded (see clientDelay).
	opened time.Time
}

type targetInterval struct {
	hist      [len(rundir.Outcomes)]*hdr.Histogram // nil until the first value
	lag       *hdr.Histogram
	completed int64
	classes   [len(rundir.Classes)]int64
	bytesIn   int64
	bytesOut  int64
	samples   [len(rundir.Classes)]errSample
	evidence  [len(rundir.Evidences)]int64
	colds     []coldEvent
	instances map[string]span // instance → intended send times of the requests it answered
	billing   rundir.Billing
	// marked and spans are the target's bill as the function's markers
	// give it (MarkerBilling): the per-execution sums, and the executions
	// that the flusher merges into the instances' execution periods.
	marked *rundir.MarkerBilling
	spans  []execSpan
	// undecided holds the successes that had no evidence either way, when
	// the target infers cold starts: the recorder tags them cold or warm
	// before it writes the interval.
	undecided []coldinfer.Sample
	ids       []string // their platform request ids, where known
	latencies []int64  // and their latencies from the intended send time
	pushed    bool     // undecided went to the detector, which owes a verdict
	// busyLag counts the schedule lags of the requests that did not wait
	// for a connection, when the target infers (see clientDelay).
	busyLag *lagCounts
	// clientDelay is how much the client may have added to the
	// latencies of undecided (clientDelay); suppressed counts the slow
	// successes the detector did not tag because of it, clientLimited
	// says it mattered (coldinfer.Decision).
	clientDelay   time.Duration
	suppressed    int64
	clientLimited bool
	// timing holds the interval's histograms by rundir.TimingPhases;
	// conns its connection counters (the dial phases and counts come from
	// the runner's connStats when the interval closes).
	timing [len(rundir.TimingPhases)]*hdr.Histogram
	conns  rundir.ConnCounts
}

// span is the first and last of a set of moments.
type span struct{ first, last time.Duration }

type coldEvent struct {
	requestID string        // the platform's, when known (REPORT)
	at        time.Duration // intended send time
	latency   time.Duration
	init      time.Duration
	instance  string
	evidence  int
}

type errSample struct {
	at      time.Duration
	status  int
	message string
}

// histPool recycles histograms between intervals: at about 200 KB each,
// allocating them afresh every second would dominate the garbage.
var histPool = sync.Pool{New: func() any { return rundir.NewHistogram() }}

func getHist() *hdr.Histogram { return histPool.Get().(*hdr.Histogram) }

func putHist(h *hdr.Histogram) {
	if h != nil {
		h.Reset()
		histPool.Put(h)
	}
}

func newInterval(seq, phase int, start, end time.Duration, targets int, infers, markers, spans []bool) *interval {
	return &interval{
		infers: infers, markers: markers, spans: spans,
		seq: seq, phase: phase, start: start, end: end,
		offered:      make([]int64, targets),
		notSent:      make([]int64, targets),
		peakInFlight: make([]int64, targets),
		targets:      make([]targetInterval, targets),
	}
}

// record adds one finished request. intended is the request's intended send
// time, used only to date an error sample.
func (iv *interval) record(target int, r *result, intended time.Duration) {
	iv.mu.Lock()
	ti := &iv.targets[target]
	if r.inferable && r.outcome == rundir.IndexWarm && iv.infers[target] {
		// The detector judges the platform: the wait from the actual send,
		// not the time a request spent waiting for the client itself.
		s := coldinfer.Sample{At: intended + time.Duration(r.lag), Latency: time.Duration(r.latency - r.lag), Instance: r.instance}
		if r.latencyOnly {
			s.Instance = ""
		}
		ti.undecided = append(ti.undecided, s)
		ti.latencies = append(ti.latencies, r.latency)
		ti.ids = append(ti.ids, r.requestID)
	} else {
		ti.recordLatency(r.outcome, r.latency)
	}
	if ti.lag == nil {
		ti.lag = getHist()
	}
	ti.lag.RecordValue(rundir.ClampNanos(r.lag))
	if iv.infers[target] && !r.waited {
		if ti.busyLag == nil {
			ti.busyLag = new(lagCounts)
		}
		ti.busyLag.add(r.lag)
	}
	ti.recordTiming(r)
	ti.completed++
	ti.bytesIn += r.bytesIn
	ti.bytesOut += r.bytesOut
	if r.bill.ok {
		ti.billing.Add(&r.bill.Invocation)
	}
	if iv.markers[target] && r.instance != "" && !r.bill.ok {
		ti.recordMarkers(r, intended, iv.spans[target])
	}
	if r.evidence >= 0 {
		ti.evidence[r.evidence]++
		ti.colds = append(ti.colds, coldEvent{requestID: r.bill.requestID, at: intended, latency: time.Duration(r.latency), init: r.init, instance: r.instance, evidence: r.evidence})
	}
	if r.instance != "" {
		if ti.instances == nil {
			ti.instances = make(map[string]span)
		}
		if sp, ok := ti.instances[r.instance]; ok {
			ti.instances[r.instance] = span{min(sp.first, intended), max(sp.last, intended)}
		} else {
			ti.instances[r.instance] = span{intended, intended}
		}
	}
	if r.class >= 0 {
		if ti.classes[r.class] == 0 {
			ti.samples[r.class] = errSample{at: intended, status: r.status, message: r.errMsg}
		}
		ti.classes[r.class]++
	}
	iv.mu.Unlock()
}

// recordMarkers adds one execution that named its instance to the
// target's bill as the markers give it (rundir.MarkerBilling). It ran, by
// the function's own account, for the duration it reported, up to the
// response's first byte; without that, from the request's send to the
// first byte, which includes the network and is an upper bound.
func (ti *targetInterval) recordMarkers(r *result, intended time.Duration, keepSpan bool) {
	if ti.marked == nil {
		ti.marked = &rundir.MarkerBilling{}
	}
	a := ti.marked
	sent := intended + time.Duration(r.lag)
	seen := intended + time.Duration(r.latency)
	if r.ttfb > 0 {
		seen = min(seen, sent+time.Duration(r.ttfb))
	}
	// By the run's clock: from the send, or from the reported duration
	// before the first byte, to the first byte.
	span := execSpan{instance: r.instance, start: int64(sent), end: int64(seen), seen: seen}
	d := seen - sent
	if m := &r.markers; m.timed {
		d = m.duration
		span.start = max(int64(sent), int64(seen-d))
		if m.startNs > 0 {
			// By the instance's own clock: exact, whatever the network did.
			span.start, span.end = m.startNs, m.startNs+int64(d)
		}
		a.Timed++
	}
	a.Executions++
	var init time.Duration
	if r.markers.cold && r.markers.init > 0 {
		init = r.markers.init
		a.Colds++
	}
	lambda := rundir.CeilMs(d + init)
	a.LambdaBilledMs += lambda.Milliseconds()
	a.LambdaInitMs += rundir.InitBilled(d, lambda, init, 0).Milliseconds()
	billed := platform.ConsumptionBilled(d).Milliseconds()
	a.BilledMs += billed
	if mb := r.markers.memoryMB; mb > 0 {
		a.WithMemory++
		a.MBms += int64(platform.ConsumptionMemoryMB(mb)) * billed
		a.MaxMemoryMB = max(a.MaxMemoryMB, mb)
	}
	if keepSpan {
		ti.spans = append(ti.spans, span)
	}
}

// recordTiming adds a request's timing phases and connection use.
func (ti *targetInterval) recordTiming(r *result) {
	if r.ttfb > 0 {
		ti.recordPhase(rundir.IndexTTFB, r.ttfb)
		ti.recordPhase(rundir.IndexTransfer, r.transfer)
	}
	switch r.conn {
	case connFresh:
		ti.conns.Fresh++
	case connReused:
		ti.conns.Reused++
	}
	if r.waited {
		ti.conns.WaitedForConn++
	}
}

func (ti *targetInterval) recordPhase(phase int, v int64) {
	if ti.timing[phase] == nil {
		ti.timing[phase] = getHist()
	}
	ti.timing[phase].RecordValue(rundir.ClampNanos(v))
}

// addConns adds what a target's connections did while the interval was
// open: the dial phases and the counts. It takes the histograms.
func (iv *interval) addConns(target int, phases [rundir.IndexTLS + 1]*hdr.Histogram, c *rundir.ConnCounts) {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	ti := &iv.targets[target]
	for p, h := range phases {
		switch {
		case h == nil:
		case ti.timing[p] == nil:
			ti.timing[p] = h
		default:
			ti.timing[p].Merge(h)
			putHist(h)
		}
	}
	ti.conns.Add(c)
}

func (ti *targetInterval) recordLatency(outcome int, latency int64) {
	h := ti.hist[outcome]
	if h == nil {
		h = getHist()
		ti.hist[outcome] = h
	}
	h.RecordValue(rundir.ClampNanos(latency))
}

// resolve tags the interval's undecided successes with the detector's
// verdict: cold ones become cold starts with inferred evidence.
func (ti *targetInterval) resolve(dec coldinfer.Decision) {
	ti.suppressed, ti.clientLimited = int64(dec.Suppressed), dec.ClientLimited
	for i, s := range ti.undecided {
		o := rundir.IndexWarm
		if i < len(dec.Cold) && dec.Cold[i] {
			o = rundir.IndexCold
			ti.evidence[rundir.EvidenceIndexInferred]++
			intended := s.At + s.Latency - time.Duration(ti.latencies[i]) // completion − latency
			ti.colds = append(ti.colds, coldEvent{at: intended, latency: time.Duration(ti.latencies[i]), instance: s.Instance, evidence: rundir.EvidenceIndexInferred, requestID: ti.ids[i]})
		}
		ti.recordLatency(o, ti.latencies[i])
	}
	ti.undecided, ti.ids, ti.latencies = nil, nil, nil
}

// writeInstances appends one instance event per execution environment seen,
// with the first and last intended send time of a request it answered. It
// runs once, after the last interval was written.
func (r *recorder) writeInstances() error {
	for t, name := range r.targets {
		ids := make([]string, 0, len(r.seen[t]))
		for id := range r.seen[t] {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return r.seen[t][ids[i]].first < r.seen[t][ids[j]].first })
		for _, id := range ids {
			s := r.seen[t][id]
			ev := rundir.Event{Type: rundir.EventInstance, AtNanos: int64(s.first), Target: name, Instance: id,
				FirstNanos: int64(s.first), LastNanos: int64(s.last)}
			if err := r.dir.Event(&ev); err != nil {
				return err
			}
		}
	}
	return r.dir.Flush()
}

// release returns the interval's histograms to the pool after it was written.
func (iv *interval) release() {
	for i := range iv.targets {
		ti := &iv.targets[i]
		for j, h := range ti.hist {
			putHist(h)
			ti.hist[j] = nil
		}
		putHist(ti.lag)
		ti.lag = nil
		for j, h := range ti.timing {
			putHist(h)
			ti.timing[j] = nil
		}
	}
}

// recorder owns the open intervals and writes each one, in order, as soon as
// it is closed and every request intended in it has been recorded.
type recorder struct {
	dir     *rundir.Writer
	targets []string
	redact  *scenarios.Redactor // applied to error samples as they are written

	mu     sync.Mutex
	queue  []*interval // open or waiting intervals, oldest first
	wake   chan struct{}
	done   chan struct{}
	err    error        // first write error; stops further writes
	latest atomic.Value // IntervalStats of the last interval written

	seen []map[string]*span // per target, every instance seen; the flusher's own

	// Azure targets' execution periods (execPeriods), per target; nil for
	// the others. The flusher's own.
	markers []bool
	spans   []bool // targets whose executions make execution periods
	periods []*execPeriods

	// Inference: a detector per target that infers (nil for the others),
	// and the complete intervals waiting for the detectors' lookahead.
	infers    []bool
	detectors []*coldinfer.Detector
	decided   [][]coldinfer.Decision // per target, verdicts not yet applied
	held      []*interval
	client    *clientWatch // how busy the client was; nil without inference

	// A watcher sees each interval once it is written. stop ends the
	// schedule, once: when the watcher asks, or when a write fails.
	watcher Watcher
	stop    func(cause error)
	stopped bool

	// Checkpoints: every checkpointEvery the intervals that have ended but
	// wait for their requests go to the pending file (checkpoint).
	checkpointEvery time.Duration
	lastCheckpoint  time.Time
	pendingWritten  bool
}

// stopSchedule ends the schedule with cause, once.
func (r *recorder) stopSchedule(cause error) {
	if r.stop != nil && !r.stopped {
		r.stopped = true
		r.stop(cause)
	}
}

// IntervalStats is what the progress line shows of the last written interval.
type IntervalStats struct {
	P50, P99 time.Duration
}

func newRecorder(dir *rundir.Writer, targets []string, redact *scenarios.Redactor, detectors []*coldinfer.Detector) *recorder {
	r := &recorder{
		detectors: detectors,
		infers:    make([]bool, len(targets)),
		dir:       dir,
		targets:   targets,
		redact:    redact,
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		seen:      make([]map[string]*span, len(targets)),
		markers:   make([]bool, len(targets)),
		spans:     make([]bool, len(targets)),
		periods:   make([]*execPeriods, len(targets)),
	}
	for i := range r.seen {
		r.seen[i] = make(map[string]*span)
	}
	r.decided = make([][]coldinfer.Decision, len(targets))
	for i, d := range detectors {
		r.infers[i] = d != nil
		if d != nil && r.client == nil {
			r.client = newClientWatch()
		}
	}
	return r
}

// billMarkers bills target t's executions from the markers
// (recordMarkers); with periods it also builds the instances' execution
// periods, which only Azure (Flex) bills by. Call it before the first
// interval opens.
func (r *recorder) billMarkers(t int, periods bool) {
	r.markers[t] = true
	if periods {
		r.periods[t], r.spans[t] = newExecPeriods(), true
	}
}

// open starts a new interval; the scheduler calls it in timeline order.
func (r *recorder) open(seq, phase int, start, end time.Duration) *interval {
	iv := newInterval(seq, phase, start, end, len(r.targets), r.infers, r.markers, r.spans)
	if r.client != nil {
		iv.opened = time.Now()
	}
	r.mu.Lock()
	r.queue = append(r.queue, iv)
	r.mu.Unlock()
	return iv
}

// close marks that no more requests will be added to iv.
func (r *recorder) close(iv *interval) {
	iv.closed.Store(true)
	if iv.outstanding.Load() == 0 {
		r.poke()
	}
}

// finished is called after a request of iv was recorded.
func (r *recorder) finished(iv *interval) {
	if iv.outstanding.Add(-1) == 0 && iv.closed.Load() {
		r.poke()
	}
}

func (r *recorder) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run writes intervals as they become ready until stop is closed and every
// interval has been written. A periodic tick guards against a missed wake.
func (r *recorder) run(stop <-chan struct{}) {
	defer close(r.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	if r.client != nil {
		defer r.client.close()
	}
	for {
		now := time.Now()
		if r.client != nil {
			r.client.snapshot(now)
		}
		r.flushReady()
		if r.checkpointEvery > 0 && now.Sub(r.lastCheckpoint) >= r.checkpointEvery {
			r.lastCheckpoint = now
			r.checkpoint()
		}
		select {
		case <-r.wake:
		case <-tick.C:
		case <-stop:
			r.flushReady()
			r.flushHeld()
			// Every interval is written: nothing is pending.
			if err := rundir.RemovePending(r.dir.Dir()); err != nil && r.err == nil {
				r.err = err
			}
			return
		}
	}
}

func (r *recorder) flushReady() {
	for {
		r.mu.Lock()
		if len(r.queue) == 0 {
			r.mu.Unlock()
			return
		}
		iv := r.queue[0]
		if !iv.closed.Load() || iv.outstanding.Load() != 0 {
			r.mu.Unlock()
			return
		}
		r.queue[0] = nil
		r.queue = r.queue[1:]
		r.mu.Unlock()
		r.hold(iv)
	}
}

// hold passes a complete interval's undecided successes to the detectors
// and writes every interval they have all decided: without inference, at
// once; with it, once the detectors have seen enough of what followed
// (a few intervals at most).
func (r *recorder) hold(iv *interval) {
	var busy time.Duration
	if r.client != nil {
		r.client.snapshot(time.Now())
		busy = r.client.busy(iv.opened)
		r.client.forget(iv.opened)
	}
	for t, d := range r.detectors {
		// A target whose every success had evidence needs no verdict:
		// its intervals are not held for it.
		if d != nil && len(iv.targets[t].undecided) > 0 {
			ti := &iv.targets[t]
			ti.clientDelay = clientDelay(ti.busyLag, busy)
			var lag time.Duration
			if ti.busyLag != nil {
				lag = ti.busyLag.quantile(0.99)
			}
			d.Push(coldinfer.Interval{Start: iv.start, End: iv.end, Samples: ti.undecided, ClientDelay: ti.clientDelay, ClientLag: lag})
			ti.pushed = true
		}
	}
	r.held = append(r.held, iv)
	r.writeDecided()
}

// flushHeld writes the intervals still held at the end of the run.
func (r *recorder) flushHeld() {
	for _, d := range r.detectors {
		if d != nil {
			d.Flush()
		}
	}
	r.writeDecided()
}

// writeDecided collects the detectors' verdicts and writes the held
// intervals, oldest first, for as long as every detector has decided them.
func (r *recorder) writeDecided() {
	for t, d := range r.detectors {
		for d != nil {
			dec, ok := d.Decide()
			if !ok {
				break
			}
			r.decided[t] = append(r.decided[t], dec)
		}
	}
	for len(r.held) > 0 {
		iv := r.held[0]
		for t := range r.detectors {
			if iv.targets[t].pushed && len(r.decided[t]) == 0 {
				return
			}
		}
		r.held[0] = nil
		r.held = r.held[1:]
		for t := range r.detectors {
			if !iv.targets[t].pushed {
				continue
			}
			dec := r.decided[t][0]
			r.decided[t] = r.decided[t][1:]
			if dec.Start != iv.start {
				panic("attack: cold-start detector out of step with the intervals")
			}
			iv.targets[t].resolve(dec)
		}
		if r.err == nil {
			if r.err = r.write(iv); r.err != nil {
				// Nothing more can be recorded: sending on would spend the
				// target's capacity (and money) for nothing.
				r.stopSchedule(r.err)
			}
		}
		iv.release()
	}
}

// sink is where an interval is written: the run directory (rundir.Writer),
// or the pending file of a checkpoint (rundir.NewPendingWriter).
type sink interface {
	Latency(target, outcome string, h rundir.IntervalHistogram, start, end time.Duration) error
	Lag(target string, h rundir.IntervalHistogram, start, end time.Duration) error
	Timing(target, phase string, h rundir.IntervalHistogram, start, end time.Duration) error
	Event(e *rundir.Event) error
	Interval(c *rundir.IntervalCounts) error
}

// write appends one complete interval to the run directory: per target its
// latency and lag histograms, its error samples and cold starts as events,
// and its counters; then it flushes.
func (r *recorder) write(iv *interval) error {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	r.closePeriods(iv)
	merged := getHist() // the interval's successes over all targets, for the progress line
	defer putHist(merged)
	if err := r.emit(r.dir, iv, merged); err != nil {
		return err
	}
	if merged.TotalCount() > 0 {
		r.latest.Store(IntervalStats{
			P50: time.Duration(merged.ValueAtQuantile(50)),
			P99: time.Duration(merged.ValueAtQuantile(99)),
		})
	}
	return r.dir.Flush()
}

// closePeriods merges iv's Azure executions into their instances' periods
// and adds those that are final to iv's bill. Every request intended before
// iv ends is in iv or an earlier interval, all merged by now; every later
// one was sent after iv's end (execPeriods.close). The schedule's last
// interval closes them all.
func (r *recorder) closePeriods(iv *interval) {
	watermark := iv.end
	if iv.last {
		watermark = all
	}
	for t, p := range r.periods {
		if p == nil {
			continue
		}
		ti := &iv.targets[t]
		for _, s := range ti.spans {
			p.add(s)
		}
		ti.spans = nil
		if ti.marked == nil {
			ti.marked = &rundir.MarkerBilling{}
		}
		p.close(watermark, ti.marked)
	}
}

// emit writes iv to w, under iv.mu. merged, when given, gathers the
// interval's successes, and the interval is final: the instances it saw
// join the run's, and the watcher judges it. Without merged it is a
// checkpoint's snapshot of an interval still awaited (checkpoint), which
// changes nothing: its successes not yet judged by inference count as
// warm there.
func (r *recorder) emit(w sink, iv *interval, merged *hdr.Histogram) error {
	final := merged != nil
	for t, name := range r.targets {
		ti := &iv.targets[t]
		c := iv.counts(t, name)
		if !final && len(ti.undecided) > 0 {
			restore := ti.undecidedAsWarm()
			defer restore()
		}
		if err := writeLatency(w, iv, ti, name, &c, merged); err != nil {
			return err
		}
		if err := r.writeErrors(w, ti, name, &c); err != nil {
			return err
		}
		if err := writeColdStarts(w, ti, name, &c); err != nil {
			return err
		}
		r.countInstances(t, ti, &c, final)
		if err := writeLag(w, iv, ti, name, &c); err != nil {
			return err
		}
		if err := writeTiming(w, iv, ti, name, &c); err != nil {
			return err
		}
		if err := w.Interval(&c); err != nil {
			return err
		}
		if final && r.watcher != nil && !r.stopped {
			if reason := r.watcher.Interval(t, &c, &ti.hist); reason != "" {
				r.stopSchedule(&abortError{reason})
			}
		}
	}
	return nil
}

// undecidedAsWarm puts the successes that await inference into a copy of
// the warm histogram, for a checkpoint, and returns what puts the original
// back.
func (ti *targetInterval) undecidedAsWarm() (restore func()) {
	orig := ti.hist[rundir.IndexWarm]
	h := getHist()
	if orig != nil {
		h.Merge(orig)
	}
	for _, l := range ti.latencies {
		h.RecordValue(rundir.ClampNanos(l))
	}
	ti.hist[rundir.IndexWarm] = h
	return func() {
		ti.hist[rundir.IndexWarm] = orig
		putHist(h)
	}
}

// checkpoint replaces the run directory's pending file with the intervals
// that have ended but are not written yet (rundir.PendingFile), or removes
// it when there are none. It runs on the flusher, like write.
func (r *recorder) checkpoint() {
	r.mu.Lock()
	var pending []*interval
	for _, iv := range r.queue {
		if iv.closed.Load() {
			pending = append(pending, iv)
		}
	}
	r.mu.Unlock()
	pending = append(append([]*interval{}, r.held...), pending...)
	if len(pending) == 0 {
		if r.pendingWritten {
			r.pendingWritten = false
			if err := rundir.RemovePending(r.dir.Dir()); err != nil && r.err == nil {
				r.err = err
				r.stopSchedule(err)
			}
		}
		return
	}
	pw := r.dir.Pending()
	for _, iv := range pending {
		iv.mu.Lock()
		err := r.emit(pw, iv, nil)
		iv.mu.Unlock()
		if err != nil {
			return // an encoding failure: the next checkpoint tries again
		}
	}
	if err := pw.CommitPending(); err != nil {
		if r.err == nil {
			r.err = err
			r.stopSchedule(err)
		}
		return
	}
	r.pendingWritten = true
}

// counts starts a target's line of intervals.jsonl with what the scheduler
// and the senders counted.
func (iv *interval) counts(t int, name string) rundir.IntervalCounts {
	ti := &iv.targets[t]
	c := rundir.IntervalCounts{
		Seq: iv.seq, Phase: iv.phase,
		StartNanos: int64(iv.start), EndNanos: int64(iv.end),
		Target:    name,
		Offered:   iv.offered[t],
		Sent:      iv.offered[t] - iv.notSent[t],
		NotSent:   iv.notSent[t],
		Completed: ti.completed,
		BytesIn:   ti.bytesIn,
		BytesOut:  ti.bytesOut,
		PeakInFl:  iv.peakInFlight[t],
	}
	marked := ti.marked != nil && *ti.marked != (rundir.MarkerBilling{})
	if ti.billing.Reports > 0 || marked {
		b := ti.billing
		if marked {
			a := *ti.marked
			b.Markers = &a
		}
		c.Billing = &b
	}
	if ti.pushed {
		c.ColdSuppressed, c.ClientLimited, c.ClientDelayNs = ti.suppressed, ti.clientLimited, int64(ti.clientDelay)
	}
	return c
}

// writeLatency writes the target's latency histogram of each outcome and
// counts them; successes are added to merged.
func writeLatency(w sink, iv *interval, ti *targetInterval, name string, c *rundir.IntervalCounts, merged *hdr.Histogram) error {
	for o, h := range ti.hist {
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		if err := w.Latency(name, rundir.Outcomes[o], h, iv.start, iv.end); err != nil {
			return err
		}
		switch o {
		case rundir.IndexWarm:
			c.Warm = h.TotalCount()
		case rundir.IndexCold:
			c.Cold = h.TotalCount()
		case rundir.IndexError:
			c.Errors = h.TotalCount()
		}
		if o != rundir.IndexError && merged != nil {
			merged.Merge(h)
		}
	}
	return nil
}

// writeErrors counts the target's errors by class and writes the first of
// each class as a sample, redacted.
func (r *recorder) writeErrors(w sink, ti *targetInterval, name string, c *rundir.IntervalCounts) error {
	for k, n := range ti.classes {
		if n == 0 {
			continue
		}
		if c.Classes == nil {
			c.Classes = make(map[string]int64, len(rundir.Classes))
		}
		c.Classes[rundir.Classes[k]] = n
		s := ti.samples[k]
		ev := rundir.Event{Type: rundir.EventErrorSample, AtNanos: int64(s.at), Target: name, Class: rundir.Classes[k], Status: s.status, Count: n, Message: r.redact.Redact(s.message)}
		if err := w.Event(&ev); err != nil {
			return err
		}
	}
	return nil
}

// writeColdStarts counts the target's cold starts by evidence and writes
// each as an event.
func writeColdStarts(w sink, ti *targetInterval, name string, c *rundir.IntervalCounts) error {
	for k, n := range ti.evidence {
		if n > 0 {
			if c.ColdEvidence == nil {
				c.ColdEvidence = make(map[string]int64, len(rundir.Evidences))
			}
			c.ColdEvidence[rundir.Evidences[k]] = n
		}
	}
	for _, ce := range ti.colds {
		ev := rundir.Event{Type: rundir.EventColdStart, AtNanos: int64(ce.at), Target: name, LatencyNanos: int64(ce.latency),
			InitNanos: int64(ce.init), Instance: ce.instance, Evidence: rundir.Evidences[ce.evidence], RequestID: ce.requestID}
		if err := w.Event(&ev); err != nil {
			return err
		}
	}
	return nil
}

// countInstances counts the execution environments that answered in the
// interval, and those new to the run; a final interval's join the run's.
func (r *recorder) countInstances(t int, ti *targetInterval, c *rundir.IntervalCounts, final bool) {
	c.Instances = int64(len(ti.instances))
	seen := r.seen[t]
	for id, sp := range ti.instances {
		s := seen[id]
		if s == nil {
			c.NewInstances++
			if !final {
				continue
			}
			s = &span{sp.first, sp.last}
			seen[id] = s
		}
		if final {
			s.first, s.last = min(s.first, sp.first), max(s.last, sp.last)
		}
	}
}

// writeLag writes the target's schedule-lag histogram and its percentiles.
func writeLag(w sink, iv *interval, ti *targetInterval, name string, c *rundir.IntervalCounts) error {
	if ti.lag == nil || ti.lag.TotalCount() == 0 {
		return nil
	}
	c.LagP50Ns = ti.lag.ValueAtQuantile(50)
	c.LagP99Ns = ti.lag.ValueAtQuantile(99)
	c.LagMaxNs = ti.lag.Max()
	return w.Lag(name, ti.lag, iv.start, iv.end)
}

// writeTiming writes the target's timing phases and its connection counts.
func writeTiming(w sink, iv *interval, ti *targetInterval, name string, c *rundir.IntervalCounts) error {
	for p, h := range ti.timing {
		if h == nil || h.TotalCount() == 0 {
			continue
		}
		if err := w.Timing(name, rundir.TimingPhases[p], h, iv.start, iv.end); err != nil {
			return err
		}
	}
	if ti.conns != (rundir.ConnCounts{}) {
		conns := ti.conns
		c.Conns = &conns
	}
	return nil
}
