package attack

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/units"
)

// Progress reports a run as it goes. On a terminal it redraws one line a few
// times a second; otherwise it prints a plain line every Every.
type Progress struct {
	W        io.Writer
	Terminal bool
	Every    time.Duration // plain-line period; default 5 s

	stopc chan struct{}
	done  sync.WaitGroup
}

func (p *Progress) start(e *engine) {
	p.stopc = make(chan struct{})
	period := p.Every
	if period <= 0 {
		period = 5 * time.Second
	}
	if p.Terminal {
		period = 250 * time.Millisecond
	}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		var last progressSample
		for {
			select {
			case <-p.stopc:
				if p.Terminal {
					fmt.Fprint(p.W, "\r\033[K")
				}
				return
			case <-t.C:
				cur := sample(e)
				line := cur.line(e, last)
				last = cur
				if p.Terminal {
					fmt.Fprintf(p.W, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(p.W, line)
				}
			}
		}
	}()
}

func (p *Progress) stop() {
	close(p.stopc)
	p.done.Wait()
}

type progressSample struct {
	at        time.Duration // wall offset from start
	elapsed   time.Duration // scheduler clock
	completed int64
	errors    int64
	notSent   int64
	inFlight  int64
}

func sample(e *engine) progressSample {
	s := progressSample{at: time.Since(e.start), elapsed: time.Duration(e.elapsed.Load())}
	for _, t := range e.targets {
		s.inFlight += t.inFlight.Load()
		s.completed += t.completed.Load()
		s.errors += t.failed.Load()
		s.notSent += t.notSent.Load()
	}
	return s
}

// line renders elapsed/total, phase, offered vs achieved rate, in flight,
// the last interval's p50/p99 and errors.
func (s progressSample) line(e *engine, prev progressSample) string {
	sched := e.plan.Schedule
	total := sched.Duration()
	name := rundir.ForcedPhase
	if i := e.phase.Load(); i >= 0 {
		name = sched.Phases[i].Name
	}
	offered := sched.Rate(s.elapsed-time.Duration(e.offsetNs.Load())) * float64(len(e.targets))
	achieved := 0.0
	if dt := (s.at - prev.at).Seconds(); dt > 0 {
		achieved = float64(s.completed-prev.completed) / dt
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s  %-12s  offered %7.1f/s  done %7.1f/s  in-flight %4d",
		s.elapsed.Truncate(time.Second), (total + time.Duration(e.offsetNs.Load())).Truncate(time.Second), name, offered, achieved, s.inFlight)
	if st, ok := e.rec.latest.Load().(IntervalStats); ok {
		fmt.Fprintf(&b, "  p50 %s  p99 %s", units.Latency(st.P50), units.Latency(st.P99))
	}
	fmt.Fprintf(&b, "  errors %d", s.errors)
	if s.notSent > 0 {
		fmt.Fprintf(&b, "  not sent %d", s.notSent)
	}
	return b.String()
}
