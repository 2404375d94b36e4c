package attack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

// stallServer answers at once, except that the request numbered freezeAt
// (0-based) freezes it for freezeFor: every request that arrives during the
// freeze waits until it ends.
type stallServer struct {
	freezeAt  int64
	freezeFor time.Duration
	n         atomic.Int64
	mu        sync.Mutex
	frozeAt   time.Time
	until     time.Time
	released  time.Time // when the last stalled response was written
}

func (s *stallServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.n.Add(1) - 1
	s.mu.Lock()
	if n == s.freezeAt {
		s.frozeAt = time.Now()
		s.until = s.frozeAt.Add(s.freezeFor)
	}
	until := s.until
	s.mu.Unlock()
	d := time.Until(until)
	if d > 0 {
		time.Sleep(d)
	}
	w.Write([]byte("ok"))
	if d > 0 {
		w.(http.Flusher).Flush()
		s.mu.Lock()
		if now := time.Now(); now.After(s.released) {
			s.released = now
		}
		s.mu.Unlock()
	}
}

// releaseTook is how long the server took to answer the stalled requests
// once the freeze ended: on a busy machine (or under the race detector)
// far longer than the 20 ms an idle one takes.
func (s *stallServer) releaseTook() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(s.released.Sub(s.until), 0)
}

// The coordinated-omission test. At 200 requests/s the server freezes for
// 1 s from the 201st request (intended at t = 1.0 s). A request intended at
// t in [1.0 s, 2.0 s) truly waits 2.0 s − t, so the 200 requests due during
// the stall have latencies 1.000, 0.995, …, 0.005 s, and the other 400 are
// fast. Of 600 values, the q-quantile for q > 2/3 is therefore
// 1.0 s − (600 − ⌈600q⌉)·5 ms: p75 = 0.250 s, p90 = 0.700 s, p99 = 0.970 s.
// fnbench must report those. vegeta's attacker with a capped worker pool
// (its -max-workers) measured from pick-up time reports almost none of it.
func TestStallCoordinatedOmission(t *testing.T) {
	stall := &stallServer{freezeAt: 200, freezeFor: time.Second}
	srv := httptest.NewServer(stall)
	defer srv.Close()

	_, dir := runYAML(t, context.Background(), srv.URL, `
name: stall
seed: 1
targets: [{name: a, url: URL, timeout: 10s}]
traffic:
  phases: [{shape: constant, rate: 200/s, duration: 3s}]
`)
	run := loadRun(t, dir)
	// The freeze began when request 200 arrived, a little after its
	// intended 1.0 s: every stalled latency is longer by that much.
	shift := stall.frozeAt.Sub(run.Info.StartTime) - time.Second
	if shift < 0 || shift > 50*time.Millisecond {
		t.Fatalf("request 200 arrived %s after its intended time; want under 50ms", shift)
	}
	row := analyze.Summarize(run).Tables[0].Total
	if row.Sent != 600 || row.Warm != 600 {
		t.Fatalf("sent %d, warm %d; want 600 of each", row.Sent, row.Warm)
	}
	h := run.Targets[0].Phases[0].Latency(rundir.OutcomeWarm)
	// When the freeze ends, 200 responses are released at once; on an idle
	// 2-core machine client and server take some 20 ms to get through them,
	// so a stalled request completes up to that much after the freeze. On
	// a busy machine the server's own release takes longer, and the client
	// reads behind it: the tolerance grows with what the server measured.
	const early = 2 * time.Millisecond
	late := 40*time.Millisecond + 2*stall.releaseTook()
	t.Logf("the server took %s to release the stalled requests", stall.releaseTook())
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{75, 250 * time.Millisecond}, {90, 700 * time.Millisecond}, {99, 970 * time.Millisecond}, {100, time.Second}} {
		got := time.Duration(h.ValueAtQuantile(c.q))
		want := c.want + shift
		if got < want-early || got > want+late {
			t.Errorf("fnbench p%g = %s, want %s (−%s/+%s)", c.q, got, want, early, late)
		}
	}
	if p50 := time.Duration(h.ValueAtQuantile(50)); p50 > 20*time.Millisecond {
		t.Errorf("fnbench p50 = %s; the fast two thirds should keep it small", p50)
	}

	// The same traffic through vegeta's attacker with a capped pool of
	// workers: ticks wait for a free worker, and latency runs from the
	// moment a worker picks a tick up.
	stall2 := &stallServer{freezeAt: 200, freezeFor: time.Second}
	srv2 := httptest.NewServer(stall2)
	defer srv2.Close()
	atk := vegeta.NewAttacker(vegeta.Workers(2), vegeta.MaxWorkers(2), vegeta.Timeout(10*time.Second))
	vh := hdr.New(1000, int64(time.Hour), 3)
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: srv2.URL})
	for res := range atk.Attack(tr, vegeta.ConstantPacer{Freq: 200, Per: time.Second}, 3*time.Second, "stall") {
		vh.RecordValue(int64(res.Latency))
	}
	vp90 := time.Duration(vh.ValueAtQuantile(90))
	vp99 := time.Duration(vh.ValueAtQuantile(99))
	t.Logf("true p90 700ms, p99 970ms; fnbench p90 %s p99 %s; vegeta -max-workers 2: %d requests, p90 %s p99 %s",
		time.Duration(h.ValueAtQuantile(90)), time.Duration(h.ValueAtQuantile(99)), vh.TotalCount(), vp90, vp99)
	if vp90 > 100*time.Millisecond || vp99 > 500*time.Millisecond {
		t.Errorf("vegeta with capped workers reported p90 %s, p99 %s: expected it to under-report the stall", vp90, vp99)
	}
}
