package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/fnbench/fnbench/internal/units"
)

// Issue 12's targets, as numbers. A target is judged on the uniform
// fnbench run of its cell, against the vegeta run of the same cell.
const (
	minAchieved     = 0.99
	maxP99VsVegeta  = 1.2
	maxP99OverFloor = 10 * time.Millisecond
	maxLag          = 5 * time.Millisecond
	maxPlainLag     = time.Millisecond
	maxRSSMB        = 300
	maxColdExcess   = 0.01
)

// verdict is one target with the checks it was judged by.
type verdict struct {
	target string // as the issue words it
	checks []check
	// missing says why the target could not be judged; checks is empty.
	missing string
}

type check struct {
	text string // the measured number against the bar
	ok   bool
}

func (v *verdict) status() string {
	if v.missing != "" {
		return "NOT MEASURED"
	}
	for _, c := range v.checks {
		if !c.ok {
			return "MISSED"
		}
	}
	return "MET"
}

func (v *verdict) add(ok bool, format string, args ...any) {
	v.checks = append(v.checks, check{text: fmt.Sprintf(format, args...), ok: ok})
}

// verdicts judges every target of issue 12 on a run's results.
func verdicts(rep *report) []verdict {
	vs := []verdict{
		latencyTarget(rep, targetH2),
		latencyTarget(rep, targetHTTPS1),
		latencyTarget(rep, targetHTTPS1x2),
		inFlightTarget(rep, targetInFlight),
		plainTarget(rep, targetPlain),
		cpuTarget(rep),
		coldTarget(rep),
	}
	return vs
}

// find returns the measurement of a tool in a cell, or nil.
func find(results []measurement, c cell, tool string) *measurement {
	for i := range results {
		if results[i].cell == c && results[i].tool == tool {
			return &results[i]
		}
	}
	return nil
}

// fnbenchIn returns fnbench's uniform run of a cell, or a verdict saying
// why there is none to judge.
func fnbenchIn(rep *report, c cell, v *verdict) *measurement {
	m := find(rep.results, c, toolFnbench)
	switch {
	case m == nil:
		v.missing = "this run has no such cell"
	case m.failed != "":
		v.missing = "fnbench failed: " + m.failed
	}
	if v.missing != "" {
		return nil
	}
	return m
}

func latencyTarget(rep *report, c cell) verdict {
	p, delay := c.proto, c.delay
	v := verdict{target: fmt.Sprintf("%s, %s delay, %s/s", p.label(), delayLabel(delay), rateLabel(c.rate))}
	m := fnbenchIn(rep, c, &v)
	if m == nil {
		return v
	}
	checkAchieved(&v, m)
	if vg := find(rep.results, c, toolVegeta); vg != nil && vg.holds() {
		ratio := float64(m.p99) / float64(vg.p99)
		v.add(ratio <= maxP99VsVegeta, "p99 %s = %.2f× vegeta's %s (≤ %.1f×)", units.Latency(m.p99), ratio, units.Latency(vg.p99), maxP99VsVegeta)
	} else {
		v.checks = append(v.checks, check{text: "vegeta did not hold: no p99 to compare with", ok: true})
	}
	floor := delay + rep.rtt[p]
	v.add(m.p99-floor <= maxP99OverFloor, "p99 − (%s + round trip %s) = %s (≤ %s)", delayLabel(delay), units.Latency(rep.rtt[p]), units.Latency(m.p99-floor), units.Latency(maxP99OverFloor))
	v.add(m.sched.lagRun < maxLag, "lag p99 %s (< %s)", units.Latency(m.sched.lagRun), units.Latency(maxLag))
	v.add(m.sched.lagFirst < maxLag, "first second's lag p99 %s (< %s)", units.Latency(m.sched.lagFirst), units.Latency(maxLag))
	return v
}

func inFlightTarget(rep *report, c cell) verdict {
	v := verdict{target: fmt.Sprintf("%s in flight (%s, %s/s × %s)", rateLabel(c.rate*c.delay.Seconds()), c.proto.label(), rateLabel(c.rate), delayLabel(c.delay))}
	m := fnbenchIn(rep, c, &v)
	if m == nil {
		return v
	}
	checkAchieved(&v, m)
	v.add(m.sched.lagRun < maxLag, "lag p99 %s (< %s; first second %s)", units.Latency(m.sched.lagRun), units.Latency(maxLag), units.Latency(m.sched.lagFirst))
	v.add(m.peakRSSMB < maxRSSMB, "peak RSS %.0f MB (< %d MB)", m.peakRSSMB, maxRSSMB)
	return v
}

func plainTarget(rep *report, c cell) verdict {
	v := verdict{target: fmt.Sprintf("Plain HTTP/1.1 keeps its lead at %s/s", rateLabel(c.rate))}
	m := fnbenchIn(rep, c, &v)
	if m == nil {
		return v
	}
	checkAchieved(&v, m)
	v.add(m.sched.lagRun < maxPlainLag, "lag p99 %s (< %s)", units.Latency(m.sched.lagRun), units.Latency(maxPlainLag))
	if vg := find(rep.results, c, toolVegeta); vg != nil && vg.failed == "" {
		v.checks = append(v.checks, check{text: fmt.Sprintf("vegeta achieved %s", percent(vg.achievedShare())), ok: true})
	}
	return v
}

func checkAchieved(v *verdict, m *measurement) {
	v.add(m.achievedShare() >= minAchieved, "achieved %s (≥ %s)", percent(m.achievedShare()), percent(minAchieved))
}

// cpuTarget compares CPU per request with vegeta's in every HTTPS cell
// where both ran uniform arrivals.
func cpuTarget(rep *report) verdict {
	v := verdict{target: "CPU per request on every HTTPS cell at most vegeta's (uniform arrivals, both tools run)"}
	var worse []string
	var n int
	worst := 0.0
	for _, m := range rep.results {
		if !m.proto.tls() || m.tool != toolFnbench || m.arrivals != uniform || m.failed != "" {
			continue
		}
		vg := find(rep.results, m.cell, toolVegeta)
		if vg == nil || vg.failed != "" || vg.cpuPer100k() == 0 {
			continue
		}
		n++
		ratio := m.cpuPer100k() / vg.cpuPer100k()
		worst = max(worst, ratio)
		if ratio > 1 {
			worse = append(worse, fmt.Sprintf("%s %s %s/s %.2f×", m.proto.label(), delayLabel(m.delay), rateLabel(m.rate), ratio))
		}
	}
	if n == 0 {
		v.missing = "no HTTPS cell has both fnbench and vegeta"
		return v
	}
	v.add(len(worse) == 0, "%d of %d cells at most vegeta's; highest ratio %.2f×", n-len(worse), n, worst)
	if len(worse) > 0 {
		v.checks = append(v.checks, check{text: "above: " + strings.Join(worse, ", "), ok: false})
	}
	return v
}

func coldTarget(rep *report) verdict {
	v := verdict{target: "Cold starts tagged beyond ground truth, with the simulator overloaded (detection auto)"}
	cc := rep.cold
	if cc == nil {
		v.missing = "the simulator cell did not run"
		return v
	}
	v.add(cc.excess() <= maxColdExcess, "%d tagged − %d true = %+d of %d responses, %s (≤ %s)", cc.tagged, cc.trueCold, cc.tagged-cc.trueCold, cc.replies, percent(cc.excess()), percent(maxColdExcess))
	return v
}
