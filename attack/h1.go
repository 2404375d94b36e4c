package attack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// h1Sender sends a target's requests over HTTP/1.1 keep-alive connections
// without a goroutine hand-off per request: the part of the engine that
// fnbench takes over from vegeta's client (net/http's Transport).
//
// Measured on a 2-core machine against a loopback server, net/http's client
// could not hold 20,000 requests/s open-model: every arrival that finds no
// idle connection dials one of its own, dials eat the CPU that would have
// completed requests, and the connection count runs away; and each request
// wakes two or three goroutines (the caller, the connection's writer and its
// reader), whose scheduling delays become schedule lag.
//
// Here the scheduler writes each request itself, the moment it is due, on an
// idle connection: the request's bytes are serialized once per target and
// sent with one write. Every connection has one reader goroutine, parked in
// the netpoller, which parses the response (net/http's ReadResponse), records
// the result and puts the connection back.
//
// Connections are opened ahead of need: before time zero as many as the
// first seconds keep busy (warmConns), and during the run a few spare ones
// whenever the idle pool runs low (spare), so that a ramp finds them ready.
// An arrival that still finds no idle connection waits in a queue and starts
// a dial of its own unless as many are under way as requests wait: dial
// concurrency follows demand, so a spike is met by as many dials as it
// needs, and no request waits behind a dial it did not need. The first
// connection that frees up or finishes dialling sends the oldest waiting
// request. Waiting counts in its latency, which runs from the intended send
// time anyway, and as schedule lag. Nothing is ever retried.
type h1Sender struct {
	r      *runner
	addr   string      // host:port
	tls    *tls.Config // nil for cleartext
	dialer net.Dialer
	head   bool      // HEAD requests: responses have no body
	wire   []byte    // the serialized request, when every request is the same
	prep   *preparer // otherwise, what makes each one
	want   signals   // the signals wanted beyond the usual (wants)

	mu      sync.Mutex
	idle    []*h1Conn
	waiting []job // FIFO, oldest first
	dialing int
	all     map[*h1Conn]struct{}
	closed  bool
	stop    chan struct{}
	// aborted: a second interrupt closed every connection; the requests
	// that fail of it were abandoned by fnbench, not failed by the target.
	aborted atomic.Bool
}

// maxInlineRequest bounds the requests the scheduler writes itself: a write
// that fits the socket buffer never blocks.
const maxInlineRequest = 32 << 10

type h1Conn struct {
	s      *h1Sender
	nc     net.Conn
	br     *bufio.Reader
	idleAt time.Time // when it last went into the idle pool; s.mu guards it
	uses   int       // requests started on it; wmu guards it
	wbuf   []byte    // a prepared request's bytes, reused
	pbuf   []byte    // and its parts

	// job and sentAt are set by whoever starts a request before state
	// turns busy; the reader reads them after it sees busy.
	job    job
	sentAt time.Duration
	conn   int8         // connFresh or connReused
	waited bool         // the request waited for a connection
	state  atomic.Int32 // connIdle, connBusy or connDead

	writeErr atomic.Pointer[error]

	// wmu is held while a request is prepared and written. The server may
	// answer before the writer's Write returns; the reader takes wmu
	// before it hands the connection on, so the next request never
	// rewrites wbuf under a Write still reading it.
	wmu sync.Mutex
}

// Connection states. Only the reader moves idle → dead, and only a sender
// idle → busy, so a connection that the server closed while idle is never
// also handed a request that no reader would finish.
const (
	connIdle int32 = iota
	connBusy
	connDead
)

// What start did with a request.
type startResult int

const (
	started  startResult = iota // sent; the reader records it
	expired                     // past its deadline: recorded as a timeout, not sent; c is still free
	connGone                    // c was dead: not sent, not recorded
)

var errSenderClosed = errors.New("abandoned: the run was interrupted a second time, and fnbench closed the connection before the answer came (client_error)")

// errTooLarge says a request is too large for h1Sender to write inline.
var errTooLarge = errors.New("request too large to write inline")

func newH1Sender(r *runner, addr string, tlsConf *tls.Config, tmpl *http.Request, prep *preparer) (*h1Sender, error) {
	var buf bytes.Buffer
	if err := tmpl.Write(&buf); err != nil {
		return nil, err
	}
	// A prepared request adds a signature or a token, and perhaps ids.
	if buf.Len()+prepSlack(prep) > maxInlineRequest {
		return nil, errTooLarge
	}
	s := &h1Sender{
		r:      r,
		addr:   addr,
		tls:    tlsConf,
		dialer: net.Dialer{Timeout: r.t.Timeout, KeepAlive: 30 * time.Second},
		head:   tmpl.Method == http.MethodHead,
		wire:   buf.Bytes(),
		prep:   prep,
		want:   wants(r.t),
		all:    make(map[*h1Conn]struct{}),
		stop:   make(chan struct{}),
	}
	go s.sweep()
	return s, nil
}

// send starts one request. It never blocks: it writes on an idle connection,
// or queues the request and perhaps starts a dial (reporting that it started
// a goroutine).
func (s *h1Sender) send(j job) (spawned bool) {
	s.mu.Lock()
	for len(s.idle) > 0 && !s.closed {
		n := len(s.idle)
		c := s.idle[n-1]
		s.idle[n-1] = nil
		s.idle = s.idle[:n-1]
		dial := s.needDial(len(s.idle) < s.spare())
		s.mu.Unlock()
		if dial {
			spawned = true
			go s.dial()
		}
		switch c.start(j, false) {
		case started:
			return spawned
		case expired:
			s.release(c)
			return spawned
		}
		s.mu.Lock()
	}
	if s.closed {
		s.mu.Unlock()
		s.fail(j, errSenderClosed)
		return spawned
	}
	s.waiting = append(s.waiting, j)
	dial := s.needDial(s.dialing < min(len(s.waiting), maxRunDials))
	s.mu.Unlock()
	if dial {
		go s.dial()
	}
	return spawned || dial
}

// needDial counts a dial as under way and reports true when want holds and
// the target's connections stay within its in-flight cap. s.mu is held.
func (s *h1Sender) needDial(want bool) bool {
	if !want || s.closed || int64(len(s.all)+s.dialing) >= s.r.cap {
		return false
	}
	s.dialing++
	return true
}

// spare is how many idle connections the pool keeps ready, dialling more
// when it runs lower: a few, plus the typical rise of the busy count above
// its mean under Poisson arrivals (twice its square root). s.mu is held.
func (s *h1Sender) spare() int {
	busy := len(s.all) - len(s.idle)
	return 2 + int(2*math.Sqrt(float64(max(busy, 0))))
}

// deadline is when a request intended at j.intended times out.
func (s *h1Sender) deadline(j job) time.Time {
	return s.r.eng.start.Add(j.intended + s.r.t.Timeout)
}

// prepSlack is what a prepared request may add to its template: a SigV4
// Authorization, date and session token, or a bearer token, and ids in the
// body.
func prepSlack(p *preparer) int {
	if p == nil {
		return 0
	}
	return 4 << 10
}

// start writes j's request on c, whose reader then records it. waited says
// j waited for a connection. A request that could not be prepared (its
// credentials expired) is recorded as failed and c stays free.
func (c *h1Conn) start(j job, waited bool) startResult {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	s := c.s
	d := s.deadline(j)
	if !time.Now().Before(d) {
		s.fail(j, errTimedOutWaiting)
		return expired
	}
	wire := s.wire
	if s.prep != nil {
		var err error
		if c.wbuf, c.pbuf, err = s.prep.wire(c.wbuf[:0], c.pbuf); err != nil {
			s.fail(j, err)
			return expired
		}
		wire = c.wbuf
	}
	c.job, c.sentAt, c.waited = j, time.Since(s.r.eng.start), waited
	if !c.state.CompareAndSwap(connIdle, connBusy) {
		return connGone
	}
	c.uses++
	c.conn = connReused
	if c.uses == 1 {
		c.conn = connFresh
	}
	c.nc.SetDeadline(d)
	if _, err := c.nc.Write(wire); err != nil {
		// The reader sees the closed connection and records the request
		// with this error.
		c.writeErr.Store(&err)
		c.nc.Close()
	}
	return started
}

var errTimedOutWaiting = timeoutError("timed out waiting for a connection")

type timeoutError string

func (e timeoutError) Error() string { return string(e) }
func (e timeoutError) Timeout() bool { return true }

// fail records j as failed with err without having sent it.
func (s *h1Sender) fail(j job, err error) { s.r.failUnsent(j, err) }

// readLoop reads the responses of c until it closes.
func (c *h1Conn) readLoop() {
	s := c.s
	for {
		c.br.Peek(1) // the first byte; an error comes back from the read below
		firstAt := time.Now()
		resp, err := readH1Response(c.br, s.head, s.want)
		if c.state.CompareAndSwap(connIdle, connDead) {
			// Nothing was asked: the server closed an idle connection, or
			// spoke out of turn. Either way it cannot be reused.
			s.drop(c)
			return
		}
		res := result{class: -1, evidence: -1, lag: int64(c.sentAt - c.job.intended), bytesOut: int64(len(s.r.t.Request.Body)),
			conn: c.conn, waited: c.waited}
		keep := false
		if err == nil {
			// Time zero was set before the request was sent (the state
			// says it was).
			first := firstAt.Sub(s.r.eng.start)
			res.ttfb, res.transfer = int64(first-c.sentAt), int64(time.Since(firstAt))
			res.bytesIn = resp.bodySize
			classifyStatus(s.r.t, resp.status, resp.signals, &res)
			res.markers, res.logResult, res.requestID = resp.markers, resp.signals.logResult, resp.signals.requestID
			keep = !resp.close
		} else {
			if we := c.writeErr.Load(); we != nil {
				err = *we
			}
			if s.aborted.Load() {
				err = errSenderClosed
			}
			res.outcome, res.class, res.errMsg = rundir.IndexError, classifyErr(err), err.Error()
		}
		j := c.job
		if !keep {
			c.state.Store(connDead)
			s.r.finish(j, &res)
			s.drop(c)
			return
		}
		c.wmu.Lock() // the request's Write has returned (see wmu)
		c.wmu.Unlock()
		c.nc.SetDeadline(time.Time{})
		c.state.Store(connIdle)
		s.r.finish(j, &res)
		if !s.release(c) {
			return
		}
	}
}

// release gives c to the oldest waiting request, or back to the idle pool.
// It reports false if the sender is closed and c with it.
func (s *h1Sender) release(c *h1Conn) bool {
	for {
		s.mu.Lock()
		if s.closed {
			delete(s.all, c)
			s.mu.Unlock()
			c.nc.Close()
			s.r.conns.closed()
			return false
		}
		if len(s.waiting) == 0 {
			c.idleAt = time.Now()
			s.idle = append(s.idle, c)
			s.mu.Unlock()
			return true
		}
		j := s.popWaiting()
		s.mu.Unlock()
		switch c.start(j, true) {
		case started:
			return true
		case connGone:
			// The server closed c meanwhile; j keeps its place.
			s.mu.Lock()
			s.waiting = append([]job{j}, s.waiting...)
			s.mu.Unlock()
			return false
		}
	}
}

// popWaiting takes the oldest waiting request. s.mu is held.
func (s *h1Sender) popWaiting() job {
	j := s.waiting[0]
	s.waiting[0] = job{}
	s.waiting = s.waiting[1:]
	if len(s.waiting) == 0 {
		s.waiting = s.waiting[:0:0] // let the backing array go
	}
	return j
}

// prewarm opens n connections and pools them (see warmConns). Failures
// are left for the run to meet and report.
func (s *h1Sender) prewarm(n int) {
	prewarm(n, s.dialer.Timeout, func(ctx context.Context) error {
		c, err := s.open(ctx)
		if err == nil {
			go c.readLoop()
			s.release(c)
		}
		return err
	})
}

// open dials and registers one connection.
func (s *h1Sender) open(ctx context.Context) (*h1Conn, error) {
	nc, dt, err := dialConn(ctx, &s.dialer, s.addr, s.tls)
	s.r.conns.dialed(dt, err)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		nc.Close()
		return nil, errSenderClosed
	}
	c := &h1Conn{s: s, nc: nc, br: bufio.NewReaderSize(nc, 16<<10)}
	s.all[c] = struct{}{}
	return c, nil
}

// dial opens one connection. It runs detached from any one request: the
// request that started it may be served by another connection first.
func (s *h1Sender) dial() {
	ctx, cancel := context.WithTimeout(context.Background(), s.dialer.Timeout)
	c, err := s.open(ctx)
	cancel()
	s.mu.Lock()
	s.dialing--
	if err != nil && err != errSenderClosed {
		// The oldest waiting request fails with the reason; the others
		// keep waiting and get a dial of their own.
		var failed []job
		if len(s.waiting) > 0 {
			failed = append(failed, s.popWaiting())
		}
		again := s.needDial(s.dialing < min(len(s.waiting), maxRunDials))
		s.mu.Unlock()
		for _, j := range failed {
			s.fail(j, err)
		}
		if again {
			go s.dial()
		}
		return
	}
	s.mu.Unlock()
	if err != nil {
		return
	}
	go c.readLoop()
	s.release(c)
}

// drop forgets a connection that cannot be reused, and starts a dial for
// requests still waiting.
func (s *h1Sender) drop(c *h1Conn) {
	c.nc.Close()
	s.r.conns.closed()
	s.mu.Lock()
	delete(s.all, c)
	for i, x := range s.idle {
		if x == c {
			s.idle = slices.Delete(s.idle, i, i+1) // clears the vacated slot: no dropped connection stays reachable
			break
		}
	}
	again := s.needDial(s.dialing < min(len(s.waiting), maxRunDials))
	s.mu.Unlock()
	if again {
		go s.dial()
	}
}

// idleTimeout is how long a connection may sit unused before it is closed:
// connections opened for a burst are given back, so memory returns to what
// the steady load needs.
var idleTimeout = 30 * time.Second

// sweep times out waiting requests whose deadline passed while no
// connection freed up, and closes connections idle for idleTimeout.
func (s *h1Sender) sweep() {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		now := time.Now()
		var expired []job
		var stale []*h1Conn
		s.mu.Lock()
		for len(s.waiting) > 0 && !now.Before(s.deadline(s.waiting[0])) {
			expired = append(expired, s.popWaiting())
		}
		// The pool is a stack: the oldest idle connections are at the bottom.
		n := 0
		for n < len(s.idle) && now.Sub(s.idle[n].idleAt) > idleTimeout {
			n++
		}
		if n > 0 {
			stale = append(stale, s.idle[:n]...)
			// Delete clears the slots it vacates: a copy left beyond the
			// length would keep a connection (and its 16 KiB buffer)
			// reachable after it is dropped, up to the pool's peak size.
			s.idle = slices.Delete(s.idle, 0, n)
		}
		s.mu.Unlock()
		for _, j := range expired {
			s.fail(j, errTimedOutWaiting)
		}
		for _, c := range stale {
			// Its reader sees the close while idle and forgets it.
			c.nc.Close()
		}
	}
}

// abort closes every connection, so that requests in flight fail at once,
// fails the waiting ones, and refuses new ones.
func (s *h1Sender) abort() {
	s.aborted.Store(true)
	s.close(true)
}

// shutdown closes the idle connections.
func (s *h1Sender) shutdown() { s.close(false) }

func (s *h1Sender) close(all bool) {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
	}
	var conns []*h1Conn
	if all {
		for c := range s.all {
			conns = append(conns, c)
		}
	} else {
		conns = s.idle
	}
	s.idle = nil
	waiting := s.waiting
	s.waiting = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.nc.Close()
	}
	for _, j := range waiting {
		s.fail(j, errSenderClosed)
	}
}

// maxRunDials bounds the dials under way for requests that wait. Demand
// sets their number up to it: a spike or a ramp gets dials as fast as it
// needs them. Beyond it a dial storm only burns the CPU that would read
// the responses: measured on 2 cores against an HTTPS/1.1 server whose
// latency rose past the warm-up's 250 ms, unbounded dials (one full TLS 1.3
// handshake each, about a millisecond of CPU on each side with the hybrid
// X25519MLKEM768 key exchange) took half of fnbench's CPU, starved the
// server, and the run collapsed.
const maxRunDials = 64
