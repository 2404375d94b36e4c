package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/fnbench/fnbench/internal/units"
)

// soakRate is the soak's offered rate: plain HTTP/1.1's target (issue 12).
const soakRate = 20000

// runSoak runs fnbench at soakRate on plain HTTP/1.1 for dur and tells flat
// memory from growth by sampling its resident set every 10 s.
func (r *runner) runSoak(dur time.Duration) (string, error) {
	srv, err := startServer(protoHTTP, 0, r.tools.work)
	if err != nil {
		return "", err
	}
	defer srv.stop()
	c := cell{proto: protoHTTP, rate: soakRate, arrivals: uniform}
	s := r.tools.spec(c, srv)
	s.Duration = dur.String()
	r.tools.soakRSS = &rssSamples{every: 10 * time.Second}
	defer func() { r.tools.soakRSS = nil }()
	m := r.measure(c, toolFnbench, srv, s)
	if m.failed != "" {
		return "", fmt.Errorf("soak: %s", m.failed)
	}
	return fmt.Sprintf("fnbench at %s/s on plain HTTP/1.1 for %s: achieved %s/s, lag p99 %s; %s.",
		rateLabel(soakRate), dur, rateLabel(m.achieved), units.Latency(m.sched.lagRun), r.tools.soakRSS.trend()), nil
}

// rssSamples are a process's resident-set sizes in MiB, taken every so
// often while it runs. A nil *rssSamples samples nothing.
type rssSamples struct {
	every time.Duration
	mu    sync.Mutex
	v     []float64
}

// sample reads pid's resident set every s.every until the returned stop
// is called.
func (s *rssSamples) sample(pid int) (stop func()) {
	if s == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(s.every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if kb, ok := procKB(fmt.Sprintf("/proc/%d/status", pid), "VmRSS"); ok {
					s.mu.Lock()
					s.v = append(s.v, kb/1024)
					s.mu.Unlock()
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// trend compares the first and last thirds of the samples, after a warm-up
// sample, to tell flat memory from growth.
func (s *rssSamples) trend() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.v) < 6 {
		return "too short to judge memory"
	}
	v := s.v[1:]
	third := len(v) / 3
	avg := func(xs []float64) float64 {
		t := 0.0
		for _, x := range xs {
			t += x
		}
		return t / float64(len(xs))
	}
	first, last := avg(v[:third]), avg(v[len(v)-third:])
	return fmt.Sprintf("RSS first third %.1f MiB, last third %.1f MiB (%+.1f%%), %d samples", first, last, 100*(last-first)/first, len(s.v))
}
