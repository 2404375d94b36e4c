package coldinfer

import (
	"strconv"
	"testing"
	"time"
)

// decideAll pushes intervals through a detector as the recorder does and
// returns its decisions in order.
func decideAll(t *testing.T, d *Detector, ivs []Interval) []Decision {
	t.Helper()
	var out []Decision
	take := func() {
		for {
			dec, ok := d.Decide()
			if !ok {
				return
			}
			out = append(out, dec)
		}
	}
	for _, iv := range ivs {
		d.Push(iv)
		take()
	}
	d.Flush()
	take()
	if len(out) != len(ivs) {
		t.Fatalf("%d decisions for %d intervals", len(out), len(ivs))
	}
	return out
}

// clientStall is a run whose warm responses take about 3 ms, with a
// stretch where the client itself held every response up by 20 to 60 ms
// (the client's delay: 80 ms) and, in that stretch, two real cold starts
// much slower than the client's delay could make them; then calm again,
// with one cold start of 60 ms, slow against the warm reference but not
// against one that learned from the stall.
func clientStall() (ivs []Interval, stalled map[int]bool, want []int) {
	st := newStream()
	stalled = map[int]bool{}
	var samples []Sample
	for i := range 3000 {
		at := time.Duration(i) * 2 * time.Millisecond
		s := Sample{At: at, Latency: st.warm()}
		switch {
		case i >= 1000 && i < 2000:
			s.Latency += 20*time.Millisecond + time.Duration(i%5)*10*time.Millisecond
			if i == 1300 || i == 1700 {
				s.Latency += 400 * time.Millisecond // an INIT: cold whatever the client did
				want = append(want, i)
			}
		case i == 2500:
			s.Latency += 60 * time.Millisecond
			want = append(want, i)
		}
		samples = append(samples, s)
	}
	ivs = intervals(samples, 100*time.Millisecond)
	for k := range ivs {
		if ivs[k].Start >= 2*time.Second && ivs[k].Start < 4*time.Second {
			ivs[k].ClientDelay = 80 * time.Millisecond
			stalled[k] = true
		}
	}
	return ivs, stalled, want
}

// Where the client was the bottleneck, slow responses that its own delay
// explains are not cold starts, on either kind of platform; cold starts
// slower than the client's delay could make them still are, and the
// decision says how many were suppressed and that the client's delay
// mattered.
func TestClientDelaySuppressesSlowResponses(t *testing.T) {
	for _, concurrency := range []int{1, 0} {
		t.Run("concurrency "+strconv.Itoa(concurrency), func(t *testing.T) {
			ivs, stalled, want := clientStall()
			decs := decideAll(t, New(Config{InstanceConcurrency: concurrency}), ivs)
			var got []int
			suppressed := 0
			n := 0
			for k, dec := range decs {
				for i, c := range dec.Cold {
					if c {
						got = append(got, n+i)
					}
				}
				n += len(dec.Cold)
				suppressed += dec.Suppressed
				if dec.ClientLimited != stalled[k] {
					t.Errorf("interval %v: client limited %v, want %v", dec.Start, dec.ClientLimited, stalled[k])
				}
				if !stalled[k] && dec.Suppressed != 0 {
					t.Errorf("interval %v: %d suppressed without a client delay", dec.Start, dec.Suppressed)
				}
			}
			if !equalInts(got, want) {
				t.Errorf("tagged %v\nwant   %v", got, want)
			}
			// Every stalled response is slow against a 3 ms reference
			// (its threshold is under 20 ms) but for the two cold starts.
			if suppressed != 1000-2 {
				t.Errorf("%d suppressed; want %d", suppressed, 1000-2)
			}
		})
	}
}

// Responses the client held up teach the warm reference nothing: after a
// long stretch in which the client added up to 5 ms to every 3 ms
// response (none of them slow, all of them within what the reference
// admits), the threshold is what it was before, so a cold start of 25 ms
// is still found. Had they joined the reference, its p90 and with it the
// threshold would have grown past 25 ms.
func TestClientDelayLeavesTheReferenceAlone(t *testing.T) {
	st := newStream()
	var samples []Sample
	for i := range 8000 {
		s := Sample{At: time.Duration(i) * 2 * time.Millisecond, Latency: st.warm()}
		if i >= 1000 && i < 7000 {
			s.Latency += time.Duration(i%6) * time.Millisecond
		}
		if i == 7500 {
			s.Latency += 22 * time.Millisecond
		}
		samples = append(samples, s)
	}
	ivs := intervals(samples, 100*time.Millisecond)
	for k := range ivs {
		if ivs[k].Start >= 2*time.Second && ivs[k].Start < 14*time.Second {
			ivs[k].ClientDelay = 8 * time.Millisecond
		}
	}
	decs := decideAll(t, New(Config{InstanceConcurrency: 1}), ivs)
	before, after := decs[19].Threshold, decs[len(decs)-1].Threshold
	if before == 0 || after > before+before/4 {
		t.Errorf("threshold %v before the stall, %v after; want about the same", before, after)
	}
	var got []int
	n := 0
	for _, dec := range decs {
		for i, c := range dec.Cold {
			if c {
				got = append(got, n+i)
			}
		}
		n += len(dec.Cold)
		if dec.Start >= 2*time.Second && dec.Start < 14*time.Second && !dec.ClientLimited {
			t.Errorf("interval %v: not client limited with an 8 ms delay against a %v threshold", dec.Start, dec.Threshold)
			break
		}
	}
	if !equalInts(got, []int{7500}) {
		t.Errorf("tagged %v; want [7500]", got)
	}
}

// Without a client delay, nothing is suppressed and nothing changes.
func TestNoClientDelayNoSuppression(t *testing.T) {
	ivs, _, _ := clientStall()
	for k := range ivs {
		ivs[k].ClientDelay = 0
	}
	decs := decideAll(t, New(Config{InstanceConcurrency: 1}), ivs)
	cold := 0
	for _, dec := range decs {
		if dec.Suppressed != 0 || dec.ClientLimited {
			t.Fatalf("interval %v: %d suppressed, limited %v, with no client delay", dec.Start, dec.Suppressed, dec.ClientLimited)
		}
		cold += len(tagged(dec.Cold))
	}
	// The stall is tagged, as before: the detector cannot tell it from
	// the platform without the client's word.
	if cold < 500 {
		t.Errorf("%d tagged; want the stall's responses among them", cold)
	}
}

// A burst from zero on shared instances: every request of the first
// seconds waits for the first instances to start and comes back when they
// are ready, so the first intervals hold nothing but responses that agree
// with each other, each less slow than the one before. They make no warm
// reference; the responses after the instances were ready do, and the
// first request of each starting instance is the cold start.
func TestBurstFromZeroQueuedRequestsAreNotWarm(t *testing.T) {
	st := newStream()
	var samples []Sample
	ready := []time.Duration{2500 * time.Millisecond, 3200 * time.Millisecond}
	var want []int
	for i := range 3000 {
		at := time.Duration(i) * 2 * time.Millisecond
		lat := st.warm()
		switch {
		case i == 0 || i == 4:
			// The two instances, started by the first and fifth requests.
			want = append(want, i)
			lat += ready[min(i, 1)] - at
		case i < 4:
			lat += ready[0] - at // joined the first instance
		case at < ready[0]:
			// Queued for the first instance to be ready; it drains the
			// queue 8 at a time, 3 ms each.
			lat += ready[0] + time.Duration((i-4)/8)*3*time.Millisecond/8 - at
		}
		samples = append(samples, Sample{At: at, Latency: lat})
	}
	decs := decideAll(t, New(Config{}), intervals(samples, 250*time.Millisecond))
	if got := taggedCold(decs); !equalInts(got, want) {
		t.Errorf("tagged %v\nwant   %v", got, want)
	}
	if th := decs[0].Threshold; th == 0 || th > 100*time.Millisecond {
		t.Errorf("first interval judged with threshold %v; want one from the warm responses (under 100ms)", th)
	}
}

// A client falling further behind its reads (a backlog) delays every
// response, more than half of them past its own delay signals: none of
// those is a cold start, but an INIT far beyond what the client could add
// still is.
func TestBacklogIsNotColdStarts(t *testing.T) {
	st := newStream()
	var samples []Sample
	var want []int
	for i := range 2000 {
		s := Sample{At: time.Duration(i) * 2 * time.Millisecond, Latency: st.warm()}
		if i >= 1000 {
			// 40% slow by less than the client's delay, 60% by up to
			// 1.75 times it; one INIT of 900 ms.
			s.Latency += 150 * time.Millisecond
			if i%5 >= 2 {
				s.Latency += time.Duration(i%5) * 50 * time.Millisecond
			}
			if i == 1500 {
				s.Latency = 900 * time.Millisecond
				want = append(want, i)
			}
		}
		samples = append(samples, s)
	}
	ivs := intervals(samples, 100*time.Millisecond)
	for k := range ivs {
		if ivs[k].Start >= 2*time.Second {
			ivs[k].ClientDelay = 200 * time.Millisecond
		}
	}
	if got := taggedCold(decideAll(t, New(Config{InstanceConcurrency: 1}), ivs)); !equalInts(got, want) {
		t.Errorf("tagged %v\nwant   %v", got, want)
	}
}

// taggedCold is the indexes, over every interval's samples in order, of
// the samples decs tagged cold.
func taggedCold(decs []Decision) []int {
	var got []int
	n := 0
	for _, dec := range decs {
		for i, c := range dec.Cold {
			if c {
				got = append(got, n+i)
			}
		}
		n += len(dec.Cold)
	}
	return got
}
