package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"
)

const (
	uniform = "uniform"
	poisson = "poisson"
)

// The cells issue 12's targets are judged on ("Targets, measured by make
// bench"). Both plans measure them with both open-model tools, whatever
// happened at lower rates.
var (
	targetH2       = cell{proto: protoH2, delay: 50 * time.Millisecond, rate: 5000, arrivals: uniform}
	targetHTTPS1   = cell{proto: protoHTTPS1, delay: 50 * time.Millisecond, rate: 5000, arrivals: uniform}
	targetHTTPS1x2 = cell{proto: protoHTTPS1, delay: 50 * time.Millisecond, rate: 10000, arrivals: uniform}
	targetInFlight = cell{proto: protoHTTPS1, delay: 250 * time.Millisecond, rate: 10000, arrivals: uniform}
	targetPlain    = cell{proto: protoHTTP, rate: 20000, arrivals: uniform}
	targetCells    = []cell{targetH2, targetHTTPS1, targetHTTPS1x2, targetInFlight, targetPlain}
)

// group is the cells that share one server: a protocol and a delay, at
// one or more offered rates.
type group struct {
	proto protocol
	delay time.Duration
	rates []float64
	// search goes on past rates, doubling, while any open-model tool has
	// not collapsed, and a tool stops at the first rate it collapses at
	// (but for target cells). Without it every tool runs at every rate.
	search bool
	// ceilings runs the closed-loop tools once (where the server answers
	// at once: with a delay their rate is only connections ÷ delay).
	ceilings bool
	// poisson also runs fnbench with Poisson arrivals once, at the highest
	// rate its uniform run held: whether bursts of the same mean still
	// hold (vegeta has no Poisson mode).
	poisson bool
}

// isTarget says whether a rate of g is one of issue 12's target cells.
func (g *group) isTarget(rate float64) bool {
	return slices.Contains(targetCells, cell{proto: g.proto, delay: g.delay, rate: rate, arrivals: uniform})
}

// searchCap is where the upward search stops even if a tool still holds.
const searchCap = 160000

// quickPlan is issue 12's target cells, each once, with the closed-loop
// ceilings where the server answers at once.
func quickPlan() []group {
	var gs []group
	for _, c := range targetCells {
		i := slices.IndexFunc(gs, func(g group) bool { return g.proto == c.proto && g.delay == c.delay })
		if i < 0 {
			gs = append(gs, group{proto: c.proto, delay: c.delay, ceilings: c.delay == 0})
			i = len(gs) - 1
		}
		gs[i].rates = append(gs[i].rates, c.rate)
	}
	return gs
}

// fullPlan is the whole matrix: every protocol and delay, from 1,000/s
// upward until no open-model tool holds (the target cells' rates among
// them), with Poisson arrivals and the closed-loop ceilings.
func fullPlan() []group {
	var gs []group
	for _, delay := range []time.Duration{0, 50 * time.Millisecond, 250 * time.Millisecond} {
		for _, p := range protocols {
			gs = append(gs, group{proto: p, delay: delay, rates: []float64{1000, 5000, 10000, 20000},
				search: true, ceilings: delay == 0, poisson: true})
		}
	}
	return gs
}

// runner is one walk through a plan.
type runner struct {
	tools    *toolset
	coolDown time.Duration
	// turn alternates which open-model tool goes first, cell by cell
	// across the whole plan, so that neither always meets a machine the
	// other just tired.
	turn    int
	results []measurement
	notes   []string
}

// runGroup measures a group's cells against one server, rate after rate
// while share lasts (its first rate always runs), searching upward when
// the group searches.
func (r *runner) runGroup(g group, share time.Duration) error {
	srv, err := startServer(g.proto, g.delay, r.tools.work)
	if err != nil {
		return err
	}
	defer srv.stop()
	end := time.Now().Add(share)
	alive := map[string]bool{toolFnbench: true, toolVegeta: true}
	var topHeld float64
	rates := slices.Clone(g.rates)
	for i := 0; i < len(rates); i++ {
		c := cell{proto: g.proto, delay: g.delay, rate: rates[i], arrivals: uniform}
		if !alive[toolFnbench] && !alive[toolVegeta] && !g.isTarget(c.rate) {
			continue
		}
		if i > 0 && time.Now().After(end) {
			r.notes = append(r.notes, fmt.Sprintf("%s, %s delay: stopped after %s/s to keep to the time budget.",
				g.proto.label(), delayLabel(g.delay), rateLabel(rates[i-1])))
			break
		}
		for _, tool := range r.order() {
			if !alive[tool] && !g.isTarget(c.rate) {
				continue
			}
			m := r.record(c, tool, srv)
			alive[tool] = !m.collapsed() || !g.search
			if tool == toolFnbench && m.holds() {
				topHeld = c.rate
			}
		}
		if i == len(rates)-1 && g.search && 2*c.rate <= searchCap && (alive[toolFnbench] || alive[toolVegeta]) {
			rates = append(rates, 2*c.rate)
		}
	}
	if g.poisson && topHeld > 0 {
		r.record(cell{proto: g.proto, delay: g.delay, rate: topHeld, arrivals: poisson}, toolFnbench, srv)
	}
	// The ceilings come last: a closed-loop tool runs the server flat
	// out, and the open-model cells should not meet a machine it tired.
	if g.ceilings {
		r.ceilings(srv)
	}
	return nil
}

// order is the open-model tools in this cell's turn.
func (r *runner) order() []string {
	r.turn++
	if r.turn%2 == 0 {
		return []string{toolVegeta, toolFnbench}
	}
	return []string{toolFnbench, toolVegeta}
}

// ceilings runs the closed-loop tools that apply to the server's
// protocol: hey on all three, wrk on HTTP/1.1 and HTTPS/1.1 (it has no
// HTTP/2).
func (r *runner) ceilings(srv *server) {
	c := cell{proto: srv.proto, delay: srv.delay}
	if r.tools.hey != "" {
		r.record(c, toolHey, srv)
	}
	if r.tools.wrk != "" && srv.proto != protoH2 {
		r.record(c, toolWrk, srv)
	}
}

// record measures one cell of the matrix and keeps the result for the
// tables.
func (r *runner) record(c cell, tool string, srv *server) measurement {
	m := r.measure(c, tool, srv, r.tools.spec(c, srv))
	r.results = append(r.results, m)
	return m
}

// measure runs one tool on one cell, with the command-line values s, and
// returns the result (or why there is none). It prints a progress line
// and lets the machine cool down.
func (r *runner) measure(c cell, tool string, srv *server, s spec) measurement {
	before, busy := srv.cpu(), machineBusy()
	var m measurement
	var err error
	switch tool {
	case toolFnbench:
		m, err = r.tools.runFnbench(c, s)
	case toolVegeta:
		m, err = r.tools.runVegeta(c, s)
	case toolHey:
		m, err = r.tools.runClosedLoop(c, tool, r.tools.hey, heyArgs(s, c.proto), parseHey)
	case toolWrk:
		m, err = r.tools.runClosedLoop(c, tool, r.tools.wrk, wrkArgs(s), parseWrk)
	}
	if m.wall > 0 {
		server := srv.cpu() - before
		m.serverCPU = server.Seconds() / m.wall.Seconds()
		m.restCPU = max(0, (machineBusy()-busy-server-m.cpu).Seconds()/m.wall.Seconds())
	}
	if err != nil {
		m = measurement{cell: c, tool: tool, failed: err.Error()}
	}
	fmt.Fprintln(os.Stderr, "fnbench-bench:", srv.name, progressLine(&m))
	time.Sleep(r.coolDownAfter(&m))
	return m
}

// coolDownAfter is the pause after a run: longer after an open-model run
// that collapsed, whose thousands of abandoned connections take a while to
// close on both sides.
func (r *runner) coolDownAfter(m *measurement) time.Duration {
	if m.rate > 0 && m.collapsed() {
		return 3 * r.coolDown
	}
	return r.coolDown
}

// roundTrips measures the loopback round trip of each protocol: the median
// of sequential requests from a plain net/http client to a server that
// answers at once. It is the floor under every latency in the tables,
// besides the server's delay.
func roundTrips(work string) (map[protocol]time.Duration, error) {
	rtt := map[protocol]time.Duration{}
	for _, p := range protocols {
		srv, err := startServer(p, 0, work)
		if err != nil {
			return nil, err
		}
		d, err := medianRoundTrip(srv, 200)
		srv.stop()
		if err != nil {
			return nil, fmt.Errorf("%s round trip: %w", p.label(), err)
		}
		rtt[p] = d
	}
	return rtt, nil
}

func medianRoundTrip(srv *server, n int) (time.Duration, error) {
	client, err := srv.client()
	if err != nil {
		return 0, err
	}
	defer client.CloseIdleConnections()
	var times []time.Duration
	for i := range n + 1 {
		t0 := time.Now()
		resp, err := client.Get(srv.url)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("status %s", resp.Status)
		}
		if i > 0 { // the first paid for the connection
			times = append(times, time.Since(t0))
		}
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}
