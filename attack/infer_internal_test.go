package attack

import (
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// With detection inferred, inference is latency only: a marker's instance
// id names the instance in the run (its scaling curve) but does not reach
// the detector. With auto, a response that names its instance without a
// cold marker is judged with the id.
func TestInferredDetectionIsLatencyOnly(t *testing.T) {
	for _, c := range []struct {
		detect     string
		toDetector string
	}{
		{scenarios.DetectInferred, ""},
		{scenarios.DetectAuto, "i-1"},
	} {
		res := result{outcome: rundir.IndexWarm, class: -1, evidence: -1, latency: int64(30 * time.Millisecond),
			markers: markers{instance: "i-1"}}
		tagColdStart(&res, c.detect)
		if !res.inferable {
			t.Fatalf("%s: a response without cold evidence is not inferable", c.detect)
		}
		iv := newInterval(0, 0, 0, time.Second, 1, []bool{true}, []bool{false}, []bool{false})
		iv.record(0, &res, 0)
		ti := &iv.targets[0]
		if len(ti.undecided) != 1 || ti.undecided[0].Instance != c.toDetector {
			t.Errorf("%s: the detector gets %+v; want instance %q", c.detect, ti.undecided, c.toDetector)
		}
		if _, ok := ti.instances["i-1"]; !ok {
			t.Errorf("%s: the instance is not counted", c.detect)
		}
	}
}

// The client's delay over an interval is clientFactor times the largest
// of the busy signal and the lag p99 of the requests that did not wait
// for a connection.
func TestClientDelay(t *testing.T) {
	var lag lagCounts
	for range 99 {
		lag.add(int64(100 * time.Microsecond))
	}
	lag.add(int64(time.Second)) // one in a hundred: the p99 is the bulk
	if d := clientDelay(&lag, 0); d < clientFactor*100*time.Microsecond || d > clientFactor*125*time.Microsecond {
		t.Errorf("delay %v from a 100µs lag p99; want about %v", d, clientFactor*100*time.Microsecond)
	}
	if d := clientDelay(&lag, 5*time.Millisecond); d != clientFactor*5*time.Millisecond {
		t.Errorf("delay %v with the client busy 5ms; want %v", d, clientFactor*5*time.Millisecond)
	}
	if d := clientDelay(nil, 0); d != 0 {
		t.Errorf("delay %v with nothing measured", d)
	}
}

// The watch sees a client kept busy: with every P spinning, the probe
// wakes late and the runtime's goroutines wait to run.
func TestClientWatchSeesABusyClient(t *testing.T) {
	if testing.Short() {
		t.Skip("keeps the machine busy and measures it")
	}
	w := newClientWatch()
	defer w.close()
	start := time.Now()
	w.snapshot(start)
	time.Sleep(50 * time.Millisecond)
	w.snapshot(time.Now())
	idle := w.busy(start)
	stop := make(chan struct{})
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for range 1_000_000 {
				}
			}
		}()
	}
	busyFrom := time.Now()
	time.Sleep(300 * time.Millisecond)
	w.snapshot(time.Now())
	busy := w.busy(busyFrom)
	close(stop)
	for range 4 {
		<-done
	}
	t.Logf("idle %v, busy %v", idle, busy)
	if busy < time.Millisecond || busy <= idle {
		t.Errorf("busy client measured at %v (idle %v); want more than a millisecond", busy, idle)
	}
	w.forget(time.Now())
	if len(w.snaps) != 1 {
		t.Errorf("%d snapshots kept after forgetting everything before now; want the last", len(w.snaps))
	}
}
