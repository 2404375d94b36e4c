package attack

import (
	"math"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// How much the client itself adds to the latencies it measures. The
// senders read responses on goroutines: a response that came back while
// the client was busy is read, and dated, late by however long its reader
// waited to run, whatever the schedule lag says (a request can leave on
// time and still be read late). Cold-start inference must not take that
// for a platform's delay (internal/coldinfer, Interval.ClientDelay).
//
// Measured against the simulator's ground truth on this 2-core machine,
// fnbench and the simulator in one process, hello-plain at 4,000 to 16,000
// requests a second (the client overloaded, schedule lag p99 from 1 ms to
// seconds): the delay the client added to a response (its latency from
// the actual send less the time the simulator kept it) reached, per
// 250 ms interval, 1.1 to 4 times the largest of the three signals below
// (most often 2.5 to 3.5), and up to 13 times on a client with every
// signal at a millisecond or two, where it stays under 15 ms. No single
// signal was enough: the runtime's scheduling latency misses the time a
// ready connection waits for the network poller and the timers; the wake
// probe samples once every 2 ms; schedule lag alone misses a client that
// sends on time and reads late, and under heavy overload is the only one
// that keeps up with the backlog. With clientFactor 4 on the largest, an
// overloaded run tagged 0 to 0.2% of its responses cold beyond the ground
// truth (1 per cent is the target), against 2 to 24% with the signals
// taken as they are.
const (
	// clientFactor: see clientDelay.
	clientFactor = 4
	// schedQuantile is the quantile of the runtime's scheduling latencies
	// that clientDelay takes.
	schedQuantile = 0.999
	// schedLatencies is the Go runtime's histogram of how long goroutines
	// waited, runnable, before they ran.
	schedLatencies = "/sched/latencies:seconds"
	// snapEvery is how often at most clientWatch takes a snapshot.
	snapEvery = 20 * time.Millisecond
	// probeEvery is how often the wake probe asks to wake.
	probeEvery = 2 * time.Millisecond
	// probeBuckets: quarter powers of two from 1 µs, to 2^31.75 µs.
	probeBuckets = 128
)

// clientDelay is how much the client itself may have added to the
// latencies of one target's interval, at most: clientFactor times the
// largest of
//   - the schedule lag p99 of its requests that did not wait for a
//     connection (a request that left late found the client busy, and its
//     response was read by the same busy client; a wait for a dial is not
//     the client's CPU);
//   - busy, the largest of the runtime's scheduling latency p99.9 and the
//     wake probe's latest wake while its responses came back (see
//     clientWatch.busy).
//
// Each of these is one wait; a response the client reads late may have
// waited several times (poller, run queue, timers): hence the factor, as
// measured (see above).
func clientDelay(lag *lagCounts, busy time.Duration) time.Duration {
	d := busy
	if lag != nil {
		d = max(d, lag.quantile(0.99))
	}
	return clientFactor * d
}

// clientWatch tells how busy the client was over a stretch of wall time,
// from the runtime's scheduling latencies and a wake probe of its own. It
// is the recorder's (the flusher goroutine's); it keeps cumulative
// snapshots back to the oldest interval it may still be asked about.
type clientWatch struct {
	sample []metrics.Sample // nil on a runtime without the metric
	probe  *wakeProbe
	snaps  []clientSnap // oldest first
	spare  []clientSnap // dropped snapshots, for their slices
}

type clientSnap struct {
	at            time.Time
	sched, probes []uint64 // cumulative counts
}

func newClientWatch() *clientWatch {
	w := &clientWatch{sample: []metrics.Sample{{Name: schedLatencies}}, probe: startWakeProbe()}
	metrics.Read(w.sample)
	if w.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		w.sample = nil
	}
	return w
}

// close stops the wake probe.
func (w *clientWatch) close() { w.probe.close() }

// snapshot records the cumulative counts now, unless the last snapshot is
// more recent than snapEvery.
func (w *clientWatch) snapshot(now time.Time) {
	if n := len(w.snaps); n > 0 && now.Sub(w.snaps[n-1].at) < snapEvery {
		return
	}
	var s clientSnap
	if k := len(w.spare); k > 0 {
		s, w.spare = w.spare[k-1], w.spare[:k-1]
	}
	s.at, s.sched, s.probes = now, s.sched[:0], w.probe.read(s.probes[:0])
	if w.sample != nil {
		metrics.Read(w.sample)
		s.sched = append(s.sched, w.sample[0].Value.Float64Histogram().Counts...)
	}
	w.snaps = append(w.snaps, s)
}

// from is the index of the last snapshot taken at or before t (the first
// when none was).
func (w *clientWatch) from(t time.Time) int {
	i := 0
	for i+1 < len(w.snaps) && !w.snaps[i+1].at.After(t) {
		i++
	}
	return i
}

// busy is how long the client kept a goroutine that was ready to run
// waiting, from the last snapshot at or before since to the latest: the
// larger of the runtime's scheduling latency p99.9 and the wake probe's
// latest wake. 0 without two snapshots.
func (w *clientWatch) busy(since time.Time) time.Duration {
	if len(w.snaps) < 2 {
		return 0
	}
	first, last := &w.snaps[w.from(since)], &w.snaps[len(w.snaps)-1]
	d := quantileOf(first.probes, last.probes, 1, probeUpper)
	if w.sample != nil {
		buckets := w.sample[0].Value.Float64Histogram().Buckets
		d = max(d, quantileOf(first.sched, last.sched, schedQuantile, func(k int) time.Duration {
			hi := buckets[k+1]
			if math.IsInf(hi, 1) {
				hi = buckets[k]
			}
			return time.Duration(hi * float64(time.Second))
		}))
	}
	return d
}

// forget drops the snapshots no later question can need: those before the
// last one taken at or before t.
func (w *clientWatch) forget(t time.Time) {
	i := w.from(t)
	w.spare = append(w.spare, w.snaps[:i]...)
	n := copy(w.snaps, w.snaps[i:])
	clear(w.snaps[n:])
	w.snaps = w.snaps[:n]
}

// quantileOf is the q-quantile of the counts added between two cumulative
// snapshots of one histogram: the upper bound of the bucket that holds it
// (0 when nothing was counted).
func quantileOf(first, last []uint64, q float64, upper func(int) time.Duration) time.Duration {
	if len(first) != len(last) {
		return 0
	}
	var total uint64
	for k := range last {
		total += last[k] - first[k]
	}
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(total)))
	var sum uint64
	for k := range last {
		n := last[k] - first[k]
		sum += n
		if sum >= want && n > 0 {
			return upper(k)
		}
	}
	return 0
}

// wakeProbe measures how late the client wakes a goroutine that asked to
// run at a given moment: it sleeps probeEvery at a time and counts how late
// it woke. A response's bytes reach a reader the same way (the network
// poller or a timer makes it runnable, the scheduler runs it), so the
// probe sees the delays before a goroutine is runnable, which the
// runtime's scheduling latencies leave out.
type wakeProbe struct {
	counts [probeBuckets]atomic.Uint64
	stop   chan struct{}
	done   chan struct{}
}

func probeBucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	return min(int(4*math.Log2(us))+1, probeBuckets-1)
}

// probeUpper is the upper bound of bucket i.
func probeUpper(i int) time.Duration {
	return time.Duration(math.Exp2(float64(i)/4) * float64(time.Microsecond))
}

func startWakeProbe() *wakeProbe {
	p := &wakeProbe{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTimer(probeEvery)
		defer t.Stop()
		due := time.Now().Add(probeEvery)
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				woke := time.Now()
				p.counts[probeBucket(woke.Sub(due))].Add(1)
				due = woke.Add(probeEvery)
				t.Reset(probeEvery)
			}
		}
	}()
	return p
}

func (p *wakeProbe) close() {
	close(p.stop)
	<-p.done
}

// read appends the cumulative counts to into.
func (p *wakeProbe) read(into []uint64) []uint64 {
	for i := range p.counts {
		into = append(into, p.counts[i].Load())
	}
	return into
}

// lagCounts counts schedule lags in the wake probe's buckets: a quantile
// within 19%, in 512 bytes.
type lagCounts [probeBuckets]uint32

func (c *lagCounts) add(lag int64) { c[probeBucket(time.Duration(lag))]++ }

// quantile is the upper bound of the bucket that holds the q-quantile (0
// when empty).
func (c *lagCounts) quantile(q float64) time.Duration {
	var total uint64
	for _, n := range c {
		total += uint64(n)
	}
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(total)))
	var sum uint64
	for i, n := range c {
		sum += uint64(n)
		if sum >= want && n > 0 {
			return probeUpper(i)
		}
	}
	return 0
}
