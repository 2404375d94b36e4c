package attack

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// poolSender sends a target's requests through net/http's RoundTripper from
// a pool of workers that grows on demand. It carries what h1Sender does not:
// HTTP/2, proxies, large bodies.
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
	hit(ctx, p.rt, r.t, r.prep, &res)
	cancel()
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
