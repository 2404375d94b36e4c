package main

import (
	"math"
	"testing"
	"time"
)

// The fit separates the heap that follows the open connections from growth
// with time: connections that come and go move the live heap but not the
// trend; a steady leak shows as growth.
func TestHeapTrendSeparatesConnectionsFromGrowth(t *testing.T) {
	for _, c := range []struct {
		name     string
		leakMiB  float64 // over the run
		wantGrow float64
	}{{"no leak", 0, 0}, {"leak", 3, 3}} {
		r := &soakResult{dur: 30 * time.Minute}
		for i := range 180 {
			at := float64(i) * 10
			fds := 70 + 40*math.Sin(float64(i)/3) + float64(i%7) // connections come and go, and drift up
			if i > 90 {
				fds += 30
			}
			live := 8 + fds*16.0/1024 + c.leakMiB*at/r.dur.Seconds()
			r.all = append(r.all, soakSample{At: at, FDs: int(fds), LiveMiB: live})
		}
		perDesc, overRun, ok := r.heapTrend()
		if !ok || math.Abs(overRun-c.wantGrow) > 0.1 || math.Abs(perDesc-16) > 1 {
			t.Errorf("%s: growth %.2f MiB (want %.0f), %.1f KiB per descriptor (want about 16), ok %v", c.name, overRun, c.wantGrow, perDesc, ok)
		}
	}
}
