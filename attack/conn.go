package attack

import (
	"context"
	"crypto/tls"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// dialTiming is where one dial's time went. DNS is zero when the address
// needed no lookup.
type dialTiming struct {
	dns, connect, tls time.Duration
	looked            bool // a name was resolved
}

// total is the whole dial.
func (d dialTiming) total() time.Duration { return d.dns + d.connect + d.tls }

// dialConn opens one connection to addr (host:port), with a TLS handshake
// when tlsConf is set, and times its phases the way k6 splits them. The
// dialer's Control hook runs just before the first connect, so the time up
// to it is name resolution (Happy Eyeballs and address fallbacks stay the
// standard dialer's).
func dialConn(ctx context.Context, base *net.Dialer, addr string, tlsConf *tls.Config) (net.Conn, dialTiming, error) {
	var dt dialTiming
	start := time.Now()
	// A losing Happy Eyeballs attempt may call Control concurrently, or
	// after DialContext returned.
	var resolved atomic.Int64 // ns after start, +1 so that 0 means unset
	d := *base
	d.ControlContext = func(context.Context, string, string, syscall.RawConn) error {
		resolved.CompareAndSwap(0, int64(time.Since(start))+1)
		return nil
	}
	nc, err := dialBudgeted(ctx, &d, "tcp", addr)
	connected := time.Now()
	if r := resolved.Load(); r != 0 {
		if host, _, _ := net.SplitHostPort(addr); net.ParseIP(host) == nil {
			dt.dns, dt.looked = time.Duration(r-1), true
		}
		dt.connect = connected.Sub(start) - dt.dns
	}
	if err != nil {
		return nil, dt, err
	}
	if tlsConf == nil {
		return nc, dt, nil
	}
	tc := tls.Client(nc, tlsConf)
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, dt, err
	}
	dt.tls = time.Since(connected)
	return tc, dt, nil
}

// connStats collects what a target's connections did between two interval
// boundaries: the scheduler takes them into the interval that just closed.
type connStats struct {
	mu     sync.Mutex
	phases [rundir.IndexTLS + 1]*hdr.Histogram // dns, connect, tls; nil until used
	c      rundir.ConnCounts
}

// dialed counts one dial that ended.
func (s *connStats) dialed(dt dialTiming, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.c.DialErrors++
		return
	}
	s.c.Opened++
	s.c.DialNs += int64(dt.total())
	if dt.looked {
		s.record(rundir.IndexDNS, dt.dns)
	}
	s.record(rundir.IndexConnect, dt.connect)
	if dt.tls > 0 {
		s.record(rundir.IndexTLS, dt.tls)
	}
}

func (s *connStats) record(phase int, d time.Duration) {
	if s.phases[phase] == nil {
		s.phases[phase] = getHist()
	}
	s.phases[phase].RecordValue(rundir.ClampNanos(int64(d)))
}

// closed counts one connection closed.
func (s *connStats) closed() {
	s.mu.Lock()
	s.c.Closed++
	s.mu.Unlock()
}

// prewarmed moves what was opened so far (before time zero) to Prewarmed.
func (s *connStats) prewarmed() {
	s.mu.Lock()
	s.c.Prewarmed += s.c.Opened
	s.c.Opened = 0
	s.mu.Unlock()
}

// take hands over what was collected and starts afresh.
func (s *connStats) take() (phases [rundir.IndexTLS + 1]*hdr.Histogram, c rundir.ConnCounts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	phases, c = s.phases, s.c
	s.phases, s.c = [rundir.IndexTLS + 1]*hdr.Histogram{}, rundir.ConnCounts{}
	return phases, c
}

// How a request used its connection (result.conn).
const (
	connUnknown int8 = iota // the sender cannot see it (net/http)
	connFresh               // the first request on its connection
	connReused              // a connection that had carried a request before
)

// Warm-up sizing. Connections opened before time zero cost the target
// nothing (no function runs for a dial), while a connection dialled when a
// request is due delays it by a handshake: the slow first second such dials
// make looks just like the platform's cold starts. So fnbench opens, before
// time zero, as many as the first seconds keep busy. By Little's law that is
// the number of arrivals within one response time; fnbench takes the largest
// count in any window of assumedLatency within the first warmWindow of the
// schedule, plus warmMargin for Poisson arrivals and jitter. No request is
// sent to learn the response time: it would run the function and spoil the
// cold starts being measured. A target whose responses take longer says so
// with `connections:`. Beyond the first seconds, dials follow demand (see
// h1Sender.send).
const (
	assumedLatency = 250 * time.Millisecond
	warmWindow     = 2 * time.Second
	warmMargin     = 1.25
	// maxAutoConns bounds the automatic warm-up: about 40 KiB a connection
	// (a read buffer, a parked reader, TLS state).
	maxAutoConns = 4096
)

// warmConns is how many connections target t opens before time zero for
// schedule s, of which this run sends one arrival in every shards.
func warmConns(t *Target, s *scenarios.Schedule, shards int) int {
	if t.Connections > 0 {
		return min(t.Connections, t.MaxInFlight)
	}
	var most float64
	end := min(warmWindow, s.Duration())
	for at := time.Duration(0); at <= end; at += 10 * time.Millisecond {
		most = max(most, s.Count(at+assumedLatency)-s.Count(at))
	}
	n := int(math.Ceil(most * warmMargin / float64(max(shards, 1))))
	return max(1, min(n, t.MaxInFlight, maxAutoConns))
}

// PlannedConnections is the most connections (file descriptors) a target
// of the scenario may hold at once: its warm-up, or every arrival of the
// busiest window as long as its timeout (a request holds a connection
// until it is answered or times out), whichever is more, within its
// in-flight cap. shards divides the load as --shard does.
func PlannedConnections(st *scenarios.Target, s *scenarios.Schedule, shards int) int {
	shards = max(shards, 1)
	warm := warmConns(&Target{Connections: st.Connections, MaxInFlight: st.MaxInFlight}, s, shards)
	d := s.Duration()
	step := max(10*time.Millisecond, d/10000)
	var most float64
	for at := time.Duration(0); at <= d; at += step {
		most = max(most, s.Count(at+st.Timeout)-s.Count(at))
	}
	return max(warm, min(st.MaxInFlight, int(math.Ceil(most/float64(shards)))))
}

// prewarmTimeout bounds the wait for warm-up connections, so that a
// target that cannot be reached delays the start by no more than this.
const prewarmTimeout = 10 * time.Second

// prewarmDials is how many warm-up dials run at once: enough to hide a
// distant target's round trips, few enough that TLS handshakes do not queue
// for the CPU.
const prewarmDials = 128

// prewarm runs open n times, prewarmDials at a time. The first runs alone:
// if it fails, the target cannot be reached and the run will say so, so
// nothing more is tried.
func prewarm(n int, timeout time.Duration, open func(context.Context) error) {
	if n <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(prewarmTimeout, timeout))
	defer cancel()
	if open(ctx) != nil {
		return
	}
	var next atomic.Int64
	next.Store(1)
	var wg sync.WaitGroup
	for range min(prewarmDials, n-1) {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				if open(ctx) != nil {
					return
				}
			}
		})
	}
	wg.Wait()
}
