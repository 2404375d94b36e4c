package main

import "time"

// cell is one point of the matrix.
type cell struct {
	proto    protocol
	delay    time.Duration // the server's, before every answer
	rate     float64       // offered, requests/s; 0 for closed-loop tools
	arrivals string        // uniform or poisson
}

// measurement is one tool's run in one cell.
type measurement struct {
	cell
	tool     string
	requests int64   // sent
	achieved float64 // sent per second
	success  float64 // share of the sent requests that got a 2xx
	p50, p99 time.Duration
	usage
	serverCPU float64 // the server's share of one core over the run
	// restCPU is what the rest of the machine used over the run (other
	// processes, interrupts), as a share of one core: where it is high,
	// something else competed with the tool and the server.
	restCPU float64
	// sched is fnbench's own account of its schedule; nil for the others.
	sched *schedule
	// failed says why the tool could not be measured; the rest is zero.
	failed string
}

// schedule is what fnbench's run directory says about keeping the
// schedule, beyond what every tool reports.
type schedule struct {
	lagRun   time.Duration // schedule lag p99 over the whole run
	lagFirst time.Duration // lag p99 of interval 0, the first second
	lagWorst time.Duration // the highest per-interval lag p99
	offered  int64         // arrivals the schedule made
	notSent  int64
	cold     int64 // responses tagged cold
	replies  int64 // responses, successful or not
}

// achievedShare is the share of the offered requests the tool sent: of
// the arrivals fnbench's schedule made (a Poisson run's count differs from
// rate × duration by chance), of rate × time for the others.
func (m *measurement) achievedShare() float64 {
	switch {
	case m.sched != nil && m.sched.offered > 0:
		return float64(m.requests) / float64(m.sched.offered)
	case m.rate > 0:
		return m.achieved / m.rate
	}
	return 0
}

// cpuPer100k is the tool's CPU seconds per 100,000 requests sent.
func (m *measurement) cpuPer100k() float64 {
	if m.requests == 0 {
		return 0
	}
	return m.cpu.Seconds() / float64(m.requests) * 1e5
}

// holdSlack is how far a tool's p99 may exceed the server's delay while it
// still holds a rate: beyond it, requests are queueing in the tool.
const holdSlack = 25 * time.Millisecond

// holds says whether an open-model tool kept up with the offered rate:
// ≥ 99% of it sent, ≥ 99% of those answered 2xx, and p99 within
// holdSlack of the server's delay.
func (m *measurement) holds() bool {
	return m.failed == "" && m.rate > 0 && m.achievedShare() >= 0.99 &&
		m.success >= 0.99 && m.p99 <= m.delay+holdSlack
}

// collapsed says whether an open-model tool fell far behind: under 90% of
// the offered requests sent or answered, or a p99 a second past the
// server's delay. A searching group stops running a tool that collapsed;
// one that only missed holding (a noisy second on a busy machine) climbs
// on.
func (m *measurement) collapsed() bool {
	return m.failed != "" || m.achievedShare() < 0.9 || m.success < 0.9 || m.p99 > m.delay+time.Second
}
