package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/golden"
)

const ms = time.Millisecond

// fixedReport is a quick run's worth of made-up measurements: every target
// judged once, one met, the others missed for one reason each.
func fixedReport() *report {
	fn := func(c cell, achieved float64, p99, lagRun, lagFirst time.Duration, cpu time.Duration, rss float64) measurement {
		return measurement{cell: c, tool: toolFnbench, requests: int64(achieved * 5), achieved: achieved, success: 1,
			p50: c.delay + ms/2, p99: p99, usage: usage{cpu: cpu, peakRSSMB: rss, wall: 6 * time.Second},
			serverCPU: 0.31, restCPU: 0.02,
			sched: &schedule{lagRun: lagRun, lagFirst: lagFirst, lagWorst: max(lagRun, lagFirst), replies: int64(achieved * 5)}}
	}
	vg := func(c cell, achieved float64, p99 time.Duration, cpu time.Duration) measurement {
		return measurement{cell: c, tool: toolVegeta, requests: int64(achieved * 5), achieved: achieved, success: 1,
			p50: c.delay + ms, p99: p99, usage: usage{cpu: cpu, peakRSSMB: 60, wall: 5 * time.Second}, serverCPU: 0.3}
	}
	h2 := cell{proto: protoH2, delay: 50 * ms, rate: 5000, arrivals: uniform}
	h1s := cell{proto: protoHTTPS1, delay: 50 * ms, rate: 5000, arrivals: uniform}
	h1s10k := cell{proto: protoHTTPS1, delay: 50 * ms, rate: 10000, arrivals: uniform}
	inFlight := cell{proto: protoHTTPS1, delay: 250 * ms, rate: 10000, arrivals: uniform}
	plain := cell{proto: protoHTTP, rate: 20000, arrivals: uniform}
	ceilingCell := cell{proto: protoHTTP}
	return &report{
		title:       "make bench-quick",
		commandLine: "bin/fnbench-bench -quick",
		date:        time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC),
		wall:        150 * time.Second,
		machine:     machine{CPU: "AMD EPYC", Cores: 2, Kernel: "Linux 6.18", MemGiB: 23.5},
		versions:    []string{"fnbench v1 (go1.26.8)", "vegeta v12.13.0 (go1.26.8)"},
		rtt:         map[protocol]time.Duration{protoHTTP: 60 * time.Microsecond, protoHTTPS1: 90 * time.Microsecond, protoH2: 120 * time.Microsecond},
		duration:    5 * time.Second, timeout: 3 * time.Second, coolDown: 2 * time.Second,
		results: []measurement{
			fn(h2, 5000, 53*ms, ms, 12*ms, 2*time.Second, 45),           // first second too late
			vg(h2, 5000, 52*ms, 3*time.Second),                          //
			fn(h1s, 5000, 70*ms, ms, 2*ms, 2*time.Second, 50),           // p99 1.35× vegeta's, 20 ms over the floor
			vg(h1s, 5000, 52*ms, 3*time.Second),                         //
			fn(h1s10k, 9990, 55*ms, 2*ms, 3*ms, 5*time.Second, 60),      // met; vegeta did not hold
			vg(h1s10k, 3000, 3*time.Second, 4*time.Second),              //
			fn(inFlight, 10000, 260*ms, 3*ms, 4*ms, 9*time.Second, 310), // RSS over 300 MB, CPU above vegeta's
			vg(inFlight, 10000, 255*ms, 8*time.Second),                  //
			fn(plain, 20000, 2*ms, 400*time.Microsecond, 900*time.Microsecond, 4*time.Second, 40),
			{cell: plain, tool: toolVegeta, failed: "vegeta attack: exit status 2 (its output is in run010-vegeta.log)"},
			{cell: ceilingCell, tool: toolHey, requests: 150000, achieved: 30000, success: 1, p50: ms, p99: 9 * ms,
				usage: usage{cpu: 9 * time.Second, peakRSSMB: 70, wall: 5 * time.Second}, serverCPU: 0.6},
		},
		cold: &coldCheck{
			m: measurement{cell: cell{proto: protoHTTP, rate: 20000, arrivals: uniform}, tool: toolFnbench, requests: 200000, achieved: 20000,
				sched: &schedule{lagRun: 40 * ms, lagFirst: 90 * ms}, serverCPU: 0.9},
			duration: 10 * time.Second, tagged: 2900, trueCold: 400, replies: 199000, throttled: 12,
		},
		notes: []string{"wrk was not found, so its ceilings are left out."},
	}
}

func TestMarkdownRendersTheTablesVerdictsAndCommands(t *testing.T) {
	golden.Check(t, "quick.md", []byte(fixedReport().markdown()))
}

func TestEachTargetIsJudgedOnItsOwnCell(t *testing.T) {
	want := []string{"MISSED", "MISSED", "MET", "MISSED", "MET", "MISSED", "MISSED"}
	vs := verdicts(fixedReport())
	for i, v := range vs {
		if v.status() != want[i] {
			t.Errorf("target %d (%s): %s, want %s; checks %+v", i, v.target, v.status(), want[i], v.checks)
		}
	}
}

func TestATargetWithoutItsCellIsNotMeasured(t *testing.T) {
	rep := fixedReport()
	rep.results = rep.results[:2] // only the h2 cell
	rep.cold = nil
	vs := verdicts(rep)
	for _, i := range []int{1, 2, 3, 4, 6} {
		if vs[i].status() != "NOT MEASURED" {
			t.Errorf("target %d (%s): %s, want NOT MEASURED", i, vs[i].target, vs[i].status())
		}
	}
}

func TestWriteSectionReplacesOnlyTheGeneratedSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := writeSection(path, "first run\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	notes := "# Benchmarks\n\nA profile, before and after.\n\n" + string(b[strings.Index(string(b), sectionBegin):]) + "\nMore notes.\n"
	os.WriteFile(path, []byte(notes), 0o644)
	if err := writeSection(path, "second run\n"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	got := string(b)
	for _, s := range []string{"A profile, before and after.", "second run", "More notes."} {
		if !strings.Contains(got, s) {
			t.Errorf("%q is gone:\n%s", s, got)
		}
	}
	if strings.Contains(got, "first run") || strings.Count(got, sectionBegin) != 1 {
		t.Errorf("the old section is still there:\n%s", got)
	}
}

func TestHeyAndWrkSummariesAreRead(t *testing.T) {
	out, _ := os.ReadFile("testdata/hey.txt")
	var hey measurement
	if err := parseHey(&hey, string(out)); err != nil {
		t.Fatal(err)
	}
	if hey.requests != 11429 || hey.success != 1 || hey.p50 != 500*time.Microsecond || hey.p99 != 2900*time.Microsecond || int(hey.achieved) != 11347 {
		t.Errorf("hey: %+v", hey)
	}
	out, _ = os.ReadFile("testdata/wrk.txt")
	var wrk measurement
	if err := parseWrk(&wrk, string(out)); err != nil {
		t.Fatal(err)
	}
	// 100,000 answered, 80 of them not 2xx, and 20 socket errors.
	if wrk.requests != 100020 || wrk.p50 != 1380*time.Microsecond || wrk.p99 != 1020*ms || wrk.achieved != 25000 {
		t.Errorf("wrk: %+v", wrk)
	}
	if want := 99920.0 / 100020; wrk.success != want {
		t.Errorf("wrk success %v, want %v", wrk.success, want)
	}
	if err := parseWrk(&wrk, "unable to connect to 127.0.0.1:1 Connection refused"); err == nil {
		t.Error("wrk's connection error was read as a report")
	}
}

func TestBothPlansMeasureEveryTargetCell(t *testing.T) {
	for name, plan := range map[string][]group{"quick": quickPlan(), "full": fullPlan()} {
		for _, c := range targetCells {
			i := slices.IndexFunc(plan, func(g group) bool {
				return g.proto == c.proto && g.delay == c.delay && slices.Contains(g.rates, c.rate) && g.isTarget(c.rate)
			})
			if i < 0 {
				t.Errorf("the %s plan does not measure %s, %s, %s/s", name, c.proto.label(), delayLabel(c.delay), rateLabel(c.rate))
			}
		}
	}
}
