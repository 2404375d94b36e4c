package attack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/fnbench/fnbench/internal/rundir"
)

// h2Sender sends a target's requests over HTTP/2 with the open-model
// guarantees of h1Sender, without net/http's client: no goroutine per
// request, and streams spread over as many connections as their stream
// limits and flow-control windows need.
//
// Measured on a 2-core machine against a loopback HTTPS server answering
// after 50 ms, net/http's HTTP/2 client held 2,000 requests/s only some of
// the time and at 5,000/s collapsed in two runs of three (p99 1-3 s): each
// request is a goroutine blocked in RoundTrip, the transport opens a new
// connection only when a request finds every stream slot taken, and 250 in
// flight sits right at Go's default stream limit.
//
// Here each connection has one goroutine, its reader. The scheduler picks
// the connection with the fewest open streams that has a slot and window
// left, counts the stream there, and writes the request itself (HPACK, one
// HEADERS and one DATA frame) at its intended time; what others queued
// meanwhile goes out in the same write (see flush). The reader parses every
// frame, records each stream's result as it ends, acknowledges settings and
// pings and returns flow-control credit. Connections are opened ahead of
// need as h1Sender opens them: before time zero enough streams for the
// first seconds (warmConns), and during the run another connection whenever
// free stream slots run low. A request that finds no slot waits for the
// first one to free up. Nothing is ever retried: streams a GOAWAY left
// unprocessed are recorded as failed.
type h2Sender struct {
	r      *runner
	addr   string
	tls    *tls.Config
	dialer net.Dialer
	fields []hpack.HeaderField // pseudo-headers and fixed headers, in order
	body   []byte              // every request's body, when prep is nil
	prep   *preparer
	want   signals // the signals wanted beyond the usual (wants)

	mu      sync.Mutex
	conns   []*h2Conn // open to new streams
	all     map[*h2Conn]struct{}
	waiting []job
	dialing int
	// slots is what a new connection is expected to take: the server's
	// SETTINGS_MAX_CONCURRENT_STREAMS, once one said it.
	slots  int
	closed bool
	stop   chan struct{}
}

// h2MaxBody bounds the request bodies h2Sender sends: one DATA frame of
// the smallest frame size every peer accepts, well within the initial
// flow-control window. Larger bodies go through net/http.
const h2MaxBody = 16 << 10

// Receive windows fnbench grants: large, so that responses never wait for
// credit; credit is returned when half is used.
const (
	h2StreamWindow = 4 << 20
	h2ConnWindow   = 1 << 30
)

// h2DefaultSlots is the stream limit assumed until a server states its own
// (RFC 9113 recommends at least 100).
const h2DefaultSlots = 100

var errGoAway = errors.New("the server sent GOAWAY before processing the request")

func newH2Sender(r *runner, u *url.URL, addr string, tlsConf *tls.Config, prep *preparer) (*h2Sender, error) {
	t := r.t
	if prep == nil && len(t.Request.Body) > h2MaxBody || prep != nil && len(t.Request.Body)+prepSlack(prep) > h2MaxBody {
		return nil, errTooLarge
	}
	tlsConf = tlsConf.Clone()
	tlsConf.NextProtos = []string{"h2"}
	host := hostHeader(u, t.Request.Header)
	fields := []hpack.HeaderField{
		{Name: ":method", Value: t.Request.Method},
		{Name: ":scheme", Value: u.Scheme},
		{Name: ":authority", Value: host},
		{Name: ":path", Value: u.RequestURI()},
	}
	for name, vs := range t.Request.Header {
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Content-Length", "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Te":
			continue
		case "Authorization":
			if prep != nil && (prep.sign != nil || prep.bearer != nil) {
				continue // made per request
			}
		}
		for _, v := range vs {
			fields = append(fields, hpack.HeaderField{Name: strings.ToLower(name), Value: v})
		}
	}
	s := &h2Sender{
		r: r, addr: addr, tls: tlsConf, fields: fields, body: t.Request.Body, prep: prep,
		dialer: net.Dialer{Timeout: t.Timeout, KeepAlive: 30 * time.Second},
		want:   wants(t),
		all:    make(map[*h2Conn]struct{}),
		slots:  h2DefaultSlots,
		stop:   make(chan struct{}),
	}
	go s.sweep()
	return s, nil
}

// h2Conn is one HTTP/2 connection.
type h2Conn struct {
	s  *h2Sender
	nc net.Conn

	// Guarded by s.mu: what the scheduler needs to pick a connection.
	active  int   // streams counted here, queued or open
	slots   int   // the server's stream limit
	sendWin int64 // connection-level credit for request bodies
	open    bool  // in s.conns: takes new streams

	// The write side, guarded by wmu.
	wmu    sync.Mutex
	wfr    *http2.Framer
	out    bytes.Buffer
	henc   *hpack.Encoder
	hbuf   bytes.Buffer
	nextID uint32
	wbuf   []byte // a prepared request's parts, reused
	uses   int

	// What waits to be written (see flush); spareQ and spareC, guarded by
	// wmu, are the slices the last writer emptied, for reuse.
	qmu    sync.Mutex
	queue  []h2Pending
	ctrl   []h2Control
	spareQ []h2Pending
	spareC []h2Control
	dead   error // set once; queued work then fails with it

	// The read side, owned by the reader goroutine; streams is shared with
	// the writer (which adds) and the sweeper (which times out).
	rfr      *http2.Framer
	smu      sync.Mutex
	streams  map[uint32]*h2Stream
	consumed int64 // connection-level bytes received since credit was returned
}

type h2Pending struct {
	j      job
	waited bool
}

// h2Control is a frame the reader or the sweeper asks the writer to send.
type h2Control struct {
	kind  int // ctrlSettingsAck, ctrlPingAck, ctrlWindow, ctrlReset
	id    uint32
	n     uint32
	pingB [8]byte
}

const (
	ctrlSettingsAck = iota
	ctrlPingAck
	ctrlWindow
	ctrlReset
)

// h2Stream is one request in flight.
type h2Stream struct {
	j        job
	sentAt   time.Duration
	deadline time.Time
	first    time.Duration // when its final HEADERS came; 0 before
	status   int
	bytesIn  int64
	unacked  int64  // stream-level bytes received since credit was returned
	head     []byte // the head of the body, when wanted (wantsHead)
	markers  markers
	signals  signals
	conn     int8
	waited   bool
}

// send starts one request: it counts a stream on the least busy
// connection with a slot and queues the request for its writer, or queues
// it until a slot frees up. It never blocks.
func (s *h2Sender) send(j job) (spawned bool) {
	need := int64(s.bodyLen())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.fail(j, errSenderClosed)
		return false
	}
	c := s.pick(need)
	if c == nil {
		s.waiting = append(s.waiting, j)
		dial := s.needDial(s.dialing*s.slots < len(s.waiting))
		s.mu.Unlock()
		if dial {
			go s.dial()
		}
		return dial
	}
	c.active++
	c.sendWin -= need
	dial := s.needDial(s.free() < s.spare())
	s.mu.Unlock()
	if dial {
		go s.dial()
	}
	c.enqueue(h2Pending{j: j})
	return dial
}

// bodyLen is the length of the next request's body, as far as flow
// control needs to know it in advance.
func (s *h2Sender) bodyLen() int {
	if s.prep != nil {
		return len(s.r.t.Request.Body) + prepSlack(s.prep)
	}
	return len(s.body)
}

// pick returns the open connection with the fewest streams that has a slot
// and window for a body of need bytes, or nil. s.mu is held.
func (s *h2Sender) pick(need int64) *h2Conn {
	var best *h2Conn
	for _, c := range s.conns {
		if c.active < c.slots && c.sendWin >= need && (best == nil || c.active < best.active) {
			best = c
		}
	}
	return best
}

// free is how many more streams the open connections take. s.mu is held.
func (s *h2Sender) free() int {
	n := 0
	for _, c := range s.conns {
		n += max(c.slots-c.active, 0)
	}
	return n
}

// spare is how many free stream slots the sender keeps, dialling another
// connection when fewer are left: as h1Sender.spare, and at least a
// quarter of a connection's. s.mu is held.
func (s *h2Sender) spare() int {
	busy := 0
	for _, c := range s.conns {
		busy += c.active
	}
	return max(2+int(2*math.Sqrt(float64(busy))), s.slots/4)
}

// needDial counts a dial as under way and reports true when want holds and
// the connections' slots stay within a sensible multiple of the in-flight
// cap. s.mu is held.
func (s *h2Sender) needDial(want bool) bool {
	if !want || s.closed || int64((len(s.all)+s.dialing)*s.slots) >= s.r.cap+int64(s.slots) {
		return false
	}
	s.dialing++
	return true
}

// dial opens one connection and hands it the waiting requests.
func (s *h2Sender) dial() {
	ctx, cancel := context.WithTimeout(context.Background(), s.dialer.Timeout)
	c, err := s.open(ctx)
	cancel()
	s.mu.Lock()
	s.dialing--
	if err != nil {
		var failed []job
		if len(s.waiting) > 0 && err != errSenderClosed {
			failed = append(failed, s.popWaiting())
		}
		again := s.needDial(s.dialing*s.slots < len(s.waiting))
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
	s.admit(c)
}

func (s *h2Sender) popWaiting() job {
	j := s.waiting[0]
	s.waiting[0] = job{}
	s.waiting = s.waiting[1:]
	if len(s.waiting) == 0 {
		s.waiting = s.waiting[:0:0]
	}
	return j
}

// admit hands waiting requests to c while it has slots and window.
func (s *h2Sender) admit(c *h2Conn) {
	need := int64(s.bodyLen())
	for {
		s.mu.Lock()
		if len(s.waiting) == 0 || !c.open || c.active >= c.slots || c.sendWin < need {
			s.mu.Unlock()
			return
		}
		j := s.popWaiting()
		c.active++
		c.sendWin -= need
		s.mu.Unlock()
		c.enqueue(h2Pending{j: j, waited: true})
	}
}

// prewarm opens connections for n requests in flight: n over the server's
// stream limit, which the first connection learns.
func (s *h2Sender) prewarm(n int) {
	if n <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(prewarmTimeout, s.dialer.Timeout))
	c, err := s.open(ctx)
	cancel()
	if err != nil {
		return
	}
	prewarm((n+c.slots-1)/c.slots-1, s.dialer.Timeout, func(ctx context.Context) error {
		_, err := s.open(ctx)
		return err
	})
}

// open dials, handshakes and starts one connection, and reads the server's
// first SETTINGS before it counts the connection open.
func (s *h2Sender) open(ctx context.Context) (*h2Conn, error) {
	nc, dt, err := dialConn(ctx, &s.dialer, s.addr, s.tls)
	if err == nil {
		if p := nc.(*tls.Conn).ConnectionState().NegotiatedProtocol; p != "h2" {
			nc.Close()
			err = fmt.Errorf("the server did not agree to HTTP/2 (ALPN %q)", p)
		}
	}
	s.r.conns.dialed(dt, err)
	if err != nil {
		return nil, err
	}
	c := &h2Conn{s: s, nc: nc, nextID: 1, slots: h2DefaultSlots, sendWin: 65535, streams: make(map[uint32]*h2Stream)}
	c.wfr = http2.NewFramer(&c.out, nil)
	c.henc = hpack.NewEncoder(&c.hbuf)
	c.rfr = http2.NewFramer(nil, bufio.NewReaderSize(nc, 32<<10))
	c.rfr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.rfr.MaxHeaderListSize = 1 << 20
	if err := c.handshake(ctx); err != nil {
		nc.Close()
		s.r.conns.closed()
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		s.r.conns.closed()
		return nil, errSenderClosed
	}
	c.open = true
	s.all[c] = struct{}{}
	s.conns = append(s.conns, c)
	s.slots = c.slots
	s.mu.Unlock()
	go c.readLoop()
	return c, nil
}

// handshake writes the client preface, settings and connection window,
// and reads frames up to the server's first SETTINGS, which it applies.
func (c *h2Conn) handshake(ctx context.Context) error {
	if d, ok := ctx.Deadline(); ok {
		c.nc.SetDeadline(d)
		defer c.nc.SetDeadline(time.Time{})
	}
	c.out.WriteString(http2.ClientPreface)
	c.wfr.WriteSettings(
		http2.Setting{ID: http2.SettingEnablePush, Val: 0},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: h2StreamWindow},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: 1 << 20},
	)
	c.wfr.WriteWindowUpdate(0, h2ConnWindow-65535)
	if _, err := c.nc.Write(c.out.Bytes()); err != nil {
		return err
	}
	c.out.Reset()
	for {
		f, err := c.rfr.ReadFrame()
		if err != nil {
			return err
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if f.IsAck() {
				continue
			}
			c.applySettings(f)
			c.wfr.WriteSettingsAck()
			_, err := c.nc.Write(c.out.Bytes())
			c.out.Reset()
			return err
		case *http2.WindowUpdateFrame:
			if f.StreamID == 0 {
				c.sendWin += int64(f.Increment)
			}
		case *http2.GoAwayFrame:
			return fmt.Errorf("the server sent GOAWAY (%v) at once", f.ErrCode)
		}
	}
}

// applySettings takes the server's stream limit. s.mu is held, or the
// connection is not yet shared.
func (c *h2Conn) applySettings(f *http2.SettingsFrame) {
	if v, ok := f.Value(http2.SettingMaxConcurrentStreams); ok {
		c.slots = int(min(v, 1<<20))
	}
}

// Writing. Whoever has something to send (the scheduler a request, the
// reader a settings acknowledgement or flow-control credit, the sweeper a
// reset) queues it and then writes everything queued itself, unless
// another goroutine is writing already: that one writes it too before it
// lets go (see flush). So the scheduler writes a request at its intended
// time with no goroutine hand-off in the common case, and never waits for
// another writer. Like h1Sender's, a write fits the socket buffer: a
// connection carries at most its stream limit of small requests.

// enqueue queues a request and writes what is queued.
func (c *h2Conn) enqueue(p h2Pending) {
	c.qmu.Lock()
	if err := c.dead; err != nil {
		c.qmu.Unlock()
		c.s.fail(p.j, err)
		c.s.finished(c)
		return
	}
	c.queue = append(c.queue, p)
	c.qmu.Unlock()
	c.flush()
}

// control queues a control frame and writes what is queued.
func (c *h2Conn) control(k h2Control) {
	c.qmu.Lock()
	if c.dead != nil {
		c.qmu.Unlock()
		return
	}
	c.ctrl = append(c.ctrl, k)
	c.qmu.Unlock()
	c.flush()
}

// flush writes what is queued, unless another goroutine is writing: that
// one looks at the queue again after it lets go of the write lock, so
// nothing queued is left behind.
func (c *h2Conn) flush() {
	for c.wmu.TryLock() {
		c.qmu.Lock()
		queue, ctrl := c.queue, c.ctrl
		c.queue, c.ctrl = c.spareQ[:0], c.spareC[:0]
		c.qmu.Unlock()
		if len(queue)+len(ctrl) > 0 {
			if err := c.writeBatch(queue, ctrl); err != nil {
				go c.die(err)
			}
		}
		clear(queue)
		c.spareQ, c.spareC = queue, ctrl
		c.wmu.Unlock()
		c.qmu.Lock()
		more := len(c.queue)+len(c.ctrl) > 0 && c.dead == nil
		c.qmu.Unlock()
		if !more {
			return
		}
	}
}

// writeBatch encodes control frames and requests and writes them at once.
func (c *h2Conn) writeBatch(queue []h2Pending, ctrl []h2Control) error {
	c.out.Reset()
	for _, k := range ctrl {
		switch k.kind {
		case ctrlSettingsAck:
			c.wfr.WriteSettingsAck()
		case ctrlPingAck:
			c.wfr.WritePing(true, k.pingB)
		case ctrlWindow:
			c.wfr.WriteWindowUpdate(k.id, k.n)
		case ctrlReset:
			c.wfr.WriteRSTStream(k.id, http2.ErrCodeCancel)
		}
	}
	s := c.s
	sentAt := time.Since(s.r.eng.start)
	credit := int64(0) // window counted for bodies that came out shorter
	for i := range queue {
		p := &queue[i]
		n, err := c.encode(p, sentAt)
		credit += int64(s.bodyLen() - n)
		if err != nil {
			s.fail(p.j, err)
			s.finished(c)
		}
		queue[i] = h2Pending{}
	}
	if credit > 0 {
		s.mu.Lock()
		c.sendWin += credit
		s.mu.Unlock()
	}
	if c.out.Len() == 0 {
		return nil
	}
	_, err := c.nc.Write(c.out.Bytes())
	return err
}

// encode adds one request's HEADERS and DATA frames to c.out and
// registers its stream. It returns the body's length.
func (c *h2Conn) encode(p *h2Pending, sentAt time.Duration) (int, error) {
	s := c.s
	body := s.body
	c.hbuf.Reset()
	for _, f := range s.fields {
		c.henc.WriteField(f)
	}
	if s.prep != nil {
		var r prepared
		var err error
		if r, c.wbuf, err = s.prep.next(c.wbuf); err != nil {
			return 0, err
		}
		body = r.body
		for _, h := range r.hdrs[:r.n] {
			c.henc.WriteField(hpack.HeaderField{Name: strings.ToLower(h.name), Value: h.value})
		}
	}
	if len(body) > 0 || s.prep != nil && s.prep.sendLength {
		c.henc.WriteField(hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(body))})
	}
	id := c.nextID
	c.nextID += 2
	c.uses++
	st := &h2Stream{j: p.j, sentAt: sentAt, deadline: s.deadline(p.j), waited: p.waited, conn: connReused}
	if c.uses == 1 {
		st.conn = connFresh
	}
	st.signals.wantID, st.signals.wantPayload = s.want.wantID, s.want.wantPayload
	c.smu.Lock()
	c.streams[id] = st
	c.smu.Unlock()
	c.wfr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(), EndStream: len(body) == 0, EndHeaders: true})
	if len(body) > 0 {
		c.wfr.WriteData(id, true, body)
	}
	if c.nextID > 1<<31-1-2 {
		// Stream ids are running out: no new streams here.
		s.mu.Lock()
		s.closeToNew(c)
		s.mu.Unlock()
	}
	return len(body), nil
}

// deadline is when a request intended at j.intended times out.
func (s *h2Sender) deadline(j job) time.Time {
	return s.r.eng.start.Add(j.intended + s.r.t.Timeout)
}

// readLoop reads frames until the connection fails.
func (c *h2Conn) readLoop() {
	for {
		f, err := c.rfr.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				c.endStream(se.StreamID, se)
				c.control(h2Control{kind: ctrlReset, id: se.StreamID})
				continue
			}
			c.die(err)
			return
		}
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			c.onHeaders(f)
		case *http2.DataFrame:
			c.onData(f)
		case *http2.RSTStreamFrame:
			c.endStream(f.StreamID, fmt.Errorf("the server reset the stream (%v)", f.ErrCode))
		case *http2.SettingsFrame:
			if !f.IsAck() {
				c.s.mu.Lock()
				c.applySettings(f)
				c.s.mu.Unlock()
				c.control(h2Control{kind: ctrlSettingsAck})
				c.s.admit(c)
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				c.control(h2Control{kind: ctrlPingAck, pingB: f.Data})
			}
		case *http2.WindowUpdateFrame:
			if f.StreamID == 0 {
				c.s.mu.Lock()
				c.sendWin += int64(f.Increment)
				c.s.mu.Unlock()
				c.s.admit(c)
			}
		case *http2.GoAwayFrame:
			c.onGoAway(f)
		}
	}
}

// A stream is changed only under c.smu while it is in c.streams: once the
// sweeper has taken it out (timed out), the reader no longer touches it.

func (c *h2Conn) onHeaders(f *http2.MetaHeadersFrame) {
	var bad error
	c.smu.Lock()
	st := c.streams[f.StreamID]
	if st != nil && st.first == 0 {
		status, err := strconv.Atoi(f.PseudoValue("status"))
		switch {
		case err != nil:
			bad = fmt.Errorf("malformed :status %q", f.PseudoValue("status"))
		case status >= 100 && status < 200:
			st = nil // an interim response
		default:
			st.status = status
			st.first = time.Since(c.s.r.eng.start)
			for _, hf := range f.RegularFields() {
				switch {
				case len(hf.Name) > 8 && hf.Name[:8] == "fnbench-":
					st.markers.parseHeader([]byte(hf.Name), []byte(hf.Value))
				case len(hf.Name) > 6 && hf.Name[0] == 'x':
					st.signals.parseHeader([]byte(hf.Name), []byte(hf.Value))
				}
			}
		}
	}
	c.smu.Unlock()
	switch {
	case bad != nil:
		c.endStream(f.StreamID, bad)
		c.control(h2Control{kind: ctrlReset, id: f.StreamID})
	case st != nil && f.StreamEnded():
		c.endStream(f.StreamID, nil)
	}
}

func (c *h2Conn) onData(f *http2.DataFrame) {
	n := int64(f.Length)
	c.consumed += n
	if c.consumed >= h2ConnWindow/2 {
		c.control(h2Control{kind: ctrlWindow, id: 0, n: uint32(c.consumed)})
		c.consumed = 0
	}
	var credit int64
	c.smu.Lock()
	st := c.streams[f.StreamID]
	if st != nil {
		data := f.Data()
		st.bytesIn += int64(len(data))
		if len(st.head) < errBodyPeek && wantsHead(st.status, &st.signals, &st.markers) {
			st.head = append(st.head, data[:min(len(data), errBodyPeek-len(st.head))]...)
		}
		if st.unacked += n; st.unacked >= h2StreamWindow/2 && !f.StreamEnded() {
			credit, st.unacked = st.unacked, 0
		}
	}
	c.smu.Unlock()
	switch {
	case st != nil && f.StreamEnded():
		c.endStream(f.StreamID, nil)
	case credit > 0:
		c.control(h2Control{kind: ctrlWindow, id: f.StreamID, n: uint32(credit)})
	}
}

// onGoAway stops new streams on c and fails the streams the server says
// it did not process; those it did process still end normally.
func (c *h2Conn) onGoAway(f *http2.GoAwayFrame) {
	c.s.mu.Lock()
	c.s.closeToNew(c)
	c.s.mu.Unlock()
	c.smu.Lock()
	var lost []uint32
	for id := range c.streams {
		if id > f.LastStreamID {
			lost = append(lost, id)
		}
	}
	c.smu.Unlock()
	for _, id := range lost {
		c.endStream(id, errGoAway)
	}
	c.s.redial()
}

// closeToNew stops c taking new streams; it closes once its last stream
// ends. s.mu is held.
func (s *h2Sender) closeToNew(c *h2Conn) {
	if !c.open {
		return
	}
	c.open = false
	for i, x := range s.conns {
		if x == c {
			s.conns = slices.Delete(s.conns, i, i+1) // clears the vacated slot
			break
		}
	}
	if c.active == 0 {
		delete(s.all, c)
		go c.die(errConnRetired)
	}
}

var errConnRetired = errors.New("connection retired")

// redial starts a dial if requests wait and none is under way for them.
func (s *h2Sender) redial() {
	s.mu.Lock()
	again := s.needDial(s.dialing*s.slots < len(s.waiting))
	s.mu.Unlock()
	if again {
		go s.dial()
	}
}

// endStream records stream id's result: a response, or err.
func (c *h2Conn) endStream(id uint32, err error) {
	c.smu.Lock()
	st := c.streams[id]
	delete(c.streams, id)
	c.smu.Unlock()
	if st == nil {
		return
	}
	c.record(st, err)
}

// record turns a finished stream into a result.
func (c *h2Conn) record(st *h2Stream, err error) {
	s := c.s
	now := time.Since(s.r.eng.start)
	res := result{class: -1, evidence: -1, lag: int64(st.sentAt - st.j.intended), bytesOut: int64(len(s.r.t.Request.Body)),
		conn: st.conn, waited: st.waited}
	if err == nil && st.first == 0 {
		err = errors.New("the stream ended without a response")
	}
	if err != nil {
		res.outcome, res.class, res.errMsg = rundir.IndexError, classifyErr(err), err.Error()
		res.status = st.status
	} else {
		res.ttfb, res.transfer = int64(st.first-st.sentAt), int64(now-st.first)
		res.bytesIn = st.bytesIn
		if len(st.head) > 0 {
			readHead(st.head, st.status, &st.signals, &st.markers)
		}
		classifyStatus(s.r.t, st.status, st.signals, &res)
		res.markers, res.logResult, res.requestID = st.markers, st.signals.logResult, st.signals.requestID
	}
	s.r.finish(st.j, &res)
	s.finished(c)
}

// finished frees a stream slot on c and hands it to a waiting request.
func (s *h2Sender) finished(c *h2Conn) {
	s.mu.Lock()
	c.active--
	if !c.open {
		if c.active == 0 {
			if _, ok := s.all[c]; ok {
				delete(s.all, c)
				s.mu.Unlock()
				c.die(errConnRetired)
				return
			}
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.admit(c)
}

// die closes c once: queued requests and open streams fail with err.
func (c *h2Conn) die(err error) {
	c.qmu.Lock()
	if c.dead != nil {
		c.qmu.Unlock()
		return
	}
	c.dead = err
	c.qmu.Unlock()
	c.nc.Close()
	c.s.r.conns.closed()
	c.failQueued()
	s := c.s
	s.mu.Lock()
	s.closeToNew(c)
	delete(s.all, c)
	s.mu.Unlock()
	c.smu.Lock()
	streams := c.streams
	c.streams = map[uint32]*h2Stream{}
	c.smu.Unlock()
	for _, st := range streams {
		c.record(st, err)
	}
	s.redial()
}

// failQueued fails what the writer had not yet written.
func (c *h2Conn) failQueued() {
	c.qmu.Lock()
	queue := c.queue
	c.queue = nil
	err := c.dead
	c.qmu.Unlock()
	for _, p := range queue {
		c.s.fail(p.j, err)
		c.s.finished(c)
	}
}

// fail records j as failed with err without having sent it.
func (s *h2Sender) fail(j job, err error) { s.r.failUnsent(j, err) }

// sweep times out streams and waiting requests past their deadline.
func (s *h2Sender) sweep() {
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
		s.mu.Lock()
		for len(s.waiting) > 0 && !now.Before(s.deadline(s.waiting[0])) {
			expired = append(expired, s.popWaiting())
		}
		conns := make([]*h2Conn, 0, len(s.all))
		for c := range s.all {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, j := range expired {
			s.fail(j, errTimedOutWaiting)
		}
		for _, c := range conns {
			c.expire(now)
		}
	}
}

// expire times out c's streams past their deadline and resets them.
func (c *h2Conn) expire(now time.Time) {
	var late []*h2Stream
	var ids []uint32
	c.smu.Lock()
	for id, st := range c.streams {
		if !now.Before(st.deadline) {
			late = append(late, st)
			ids = append(ids, id)
			delete(c.streams, id)
		}
	}
	c.smu.Unlock()
	for i, st := range late {
		c.control(h2Control{kind: ctrlReset, id: ids[i]})
		c.record(st, errTimedOut)
	}
}

var errTimedOut = timeoutError("timed out waiting for the response")

// abort closes every connection, so that requests in flight fail at once,
// fails the waiting ones, and refuses new ones.
func (s *h2Sender) abort() { s.close(errSenderClosed) }

// shutdown closes the connections once every request is over.
func (s *h2Sender) shutdown() { s.close(errConnRetired) }

func (s *h2Sender) close(err error) {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
	}
	conns := make([]*h2Conn, 0, len(s.all))
	for c := range s.all {
		conns = append(conns, c)
	}
	waiting := s.waiting
	s.waiting = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.die(err)
	}
	for _, j := range waiting {
		s.fail(j, errSenderClosed)
	}
}
