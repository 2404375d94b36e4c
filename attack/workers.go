package attack

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// poolSender sends a target's requests through net/http's RoundTripper from
// a pool of workers that grows on demand. It carries what fnbench's own
// senders do not: proxies, large bodies, keep-alive off.
type poolSender struct {
	r    *runner
	rt   http.RoundTripper
	ctx  context.Context // cancelled on abort
	stop context.CancelFunc
	jobs chan job
	once sync.Once
}

func newPoolSender(r *runner, rt http.RoundTripper) *poolSender {
	ctx, stop := context.WithCancel(context.Background())
	return &poolSender{r: r, rt: rt, ctx: ctx, stop: stop, jobs: make(chan job)}
}

func (p *poolSender) send(j job) (spawned bool) {
	select {
	case p.jobs <- j:
		// An idle worker took it; it now waits in this P's run-next slot.
		return true
	default:
		// Every worker is busy: start one more. Their number stays within
		// the in-flight cap plus those just finishing.
		go p.work(j)
		return true
	}
}

// work runs j and then every job handed to it, until shutdown.
func (p *poolSender) work(j job) {
	for {
		p.do(j)
		var ok bool
		if j, ok = <-p.jobs; !ok {
			return
		}
	}
}

// do sends one request. Its deadline runs from the intended send time, like
// its latency: a request sent late has less time left.
func (p *poolSender) do(j job) {
	r := p.r
	res := result{class: -1, evidence: -1, lag: int64(time.Since(r.eng.start) - j.intended)}
	ctx, cancel := context.WithDeadline(p.ctx, r.eng.start.Add(j.intended+r.t.Timeout))
	tr := newTrace(r)
	hit(httptrace.WithClientTrace(ctx, &tr.ct), p.rt, r.t, r.prep, &res)
	cancel()
	tr.finish(&res)
	r.finish(j, &res)
}

func (p *poolSender) abort() { p.stop() }

// prewarm does nothing: net/http's transport cannot open a connection
// without a request.
func (p *poolSender) prewarm(int) {}

func (p *poolSender) shutdown() {
	p.once.Do(func() { close(p.jobs) })
	if ci, ok := p.rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// trace times one request through net/http by httptrace's hooks: the phases
// of a dial it made, whether its connection was reused, and its first and
// last bytes.
type trace struct {
	r                                *runner
	ct                               httptrace.ClientTrace
	mu                               sync.Mutex // hooks of a dial may run on other goroutines
	dnsStart, connStart, tlsStart    time.Time
	dt                               dialTiming
	written, firstByte               time.Time
	reused, gotConn, dialed, dialErr bool
}

func newTrace(r *runner) *trace {
	t := &trace{r: r}
	at := func(f func(now time.Time)) { t.mu.Lock(); f(time.Now()); t.mu.Unlock() }
	t.ct = httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { at(func(now time.Time) { t.dnsStart = now }) },
		DNSDone: func(httptrace.DNSDoneInfo) {
			at(func(now time.Time) { t.dt.dns, t.dt.looked = now.Sub(t.dnsStart), true })
		},
		ConnectStart: func(string, string) { at(func(now time.Time) { t.connStart = now }) },
		ConnectDone: func(_, _ string, err error) {
			at(func(now time.Time) { t.dt.connect, t.dialed, t.dialErr = now.Sub(t.connStart), true, err != nil })
		},
		TLSHandshakeStart: func() { at(func(now time.Time) { t.tlsStart = now }) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			at(func(now time.Time) { t.dt.tls, t.dialErr = now.Sub(t.tlsStart), t.dialErr || err != nil })
		},
		GotConn: func(i httptrace.GotConnInfo) { at(func(time.Time) { t.gotConn, t.reused = true, i.Reused }) },
		WroteRequest: func(httptrace.WroteRequestInfo) {
			at(func(now time.Time) { t.written = now })
		},
		GotFirstResponseByte: func() { at(func(now time.Time) { t.firstByte = now }) },
	}
	return t
}

// finish adds what the hooks saw to res, and a dial to the target's counts.
func (t *trace) finish(res *result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dialed {
		var err error
		if t.dialErr {
			err = errDialFailed
		}
		t.r.conns.dialed(t.dt, err)
	}
	if t.gotConn {
		res.conn = connFresh
		if t.reused {
			res.conn = connReused
		}
	}
	if !t.written.IsZero() && !t.firstByte.IsZero() && res.class != classTransport && res.class != classTimeout {
		res.ttfb = int64(t.firstByte.Sub(t.written))
		res.transfer = int64(time.Since(t.firstByte))
	}
}

var errDialFailed = errors.New("dial failed")
