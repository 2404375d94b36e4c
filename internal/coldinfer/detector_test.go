package coldinfer

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// stream builds synthetic samples: one request every gap from start, warm
// at about 3 ms (lognormal, p90 about 4.5 ms), except where cold says the
// request waits for an INIT of about 50 ms first.
type stream struct {
	rng *rand.Rand
}

func newStream() *stream { return &stream{rng: rand.New(rand.NewPCG(1, 2))} }

func (st *stream) warm() time.Duration {
	return time.Duration(3e6 * math.Exp(0.3*st.rng.NormFloat64()))
}

func (st *stream) init() time.Duration {
	return time.Duration(50e6 * math.Exp(0.3*st.rng.NormFloat64()))
}

// intervals cuts samples into intervals of length every, from 0.
func intervals(samples []Sample, every time.Duration) []Interval {
	var out []Interval
	k := 0
	for start := time.Duration(0); k < len(samples); start += every {
		iv := Interval{Start: start, End: start + every}
		for ; k < len(samples) && samples[k].At < iv.End; k++ {
			iv.Samples = append(iv.Samples, samples[k])
		}
		out = append(out, iv)
	}
	return out
}

// run pushes intervals through a detector the way the recorder does,
// deciding after every push and flushing at the end, and returns the
// verdicts in sample order.
func run(t *testing.T, d *Detector, ivs []Interval) []bool {
	t.Helper()
	var cold []bool
	next := 0
	take := func() {
		for {
			dec, ok := d.Decide()
			if !ok {
				return
			}
			if dec.Start != ivs[next].Start || len(dec.Cold) != len(ivs[next].Samples) {
				t.Fatalf("decision for [%v,%v) with %d verdicts; want interval %d [%v,%v) with %d samples",
					dec.Start, dec.End, len(dec.Cold), next, ivs[next].Start, ivs[next].End, len(ivs[next].Samples))
			}
			cold = append(cold, dec.Cold...)
			next++
		}
	}
	for _, iv := range ivs {
		d.Push(iv)
		take()
	}
	d.Flush()
	take()
	if next != len(ivs) {
		t.Fatalf("%d of %d intervals decided", next, len(ivs))
	}
	return cold
}

func tagged(cold []bool) []int {
	var out []int
	for i, c := range cold {
		if c {
			out = append(out, i)
		}
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// On a one-request-per-instance platform, every response far above the
// warm latency is a cold start, including those of a burst from zero whose
// first interval holds nothing but cold starts.
func TestSlowResponsesAreColdOnLambda(t *testing.T) {
	st := newStream()
	var samples []Sample
	var want []int
	for i := range 3000 {
		s := Sample{At: time.Duration(i) * 2 * time.Millisecond, Latency: st.warm()}
		// A burst from zero (the first 40 requests), then one cold start
		// in every 100 requests.
		if i < 40 || i%100 == 50 {
			s.Latency += st.init()
			want = append(want, i)
		}
		samples = append(samples, s)
	}
	d := New(Config{InstanceConcurrency: 1})
	got := tagged(run(t, d, intervals(samples, 50*time.Millisecond)))
	if !equalInts(got, want) {
		t.Errorf("tagged %v\nwant   %v", got, want)
	}
}

// On shared instances, the requests that waited for one starting instance
// come back together; only the first of them started it.
func TestOnlyTheFirstOfAGroupIsColdOnSharedInstances(t *testing.T) {
	for _, concurrency := range []int{0, 8} {
		t.Run("concurrency "+strconv.Itoa(concurrency), func(t *testing.T) {
			st := newStream()
			var samples []Sample
			var want []int
			at := time.Duration(0)
			for burst := range 6 {
				// Idle, then three instances start 40 ms apart, each
				// ready about 100 ms after it started, and 8 requests
				// 2 ms apart wait for each; then warm traffic.
				at += time.Second
				for g := range 3 {
					first := at + time.Duration(g)*40*time.Millisecond
					ready := first + time.Duration(100e6*math.Exp(0.05*st.rng.NormFloat64()))
					for k := range 8 {
						sent := first + time.Duration(k)*2*time.Millisecond
						if k == 0 {
							want = append(want, len(samples))
						}
						samples = append(samples, Sample{At: sent, Latency: ready - sent + st.warm()})
					}
				}
				at += 200 * time.Millisecond
				for range 200 + 10*burst {
					at += 3 * time.Millisecond
					samples = append(samples, Sample{At: at, Latency: st.warm()})
				}
			}
			d := New(Config{InstanceConcurrency: concurrency})
			got := tagged(run(t, d, intervals(samples, 100*time.Millisecond)))
			if !equalInts(got, want) {
				t.Errorf("tagged %v\nwant   %v", got, want)
			}
		})
	}
}

// With instance ids, a cold start is the first response from an instance,
// if it came back slow: an instance first seen at a warm latency existed
// before the run or was started ahead of demand (Lambda's proactive init),
// and no client waited for it.
func TestInstanceIDs(t *testing.T) {
	st := newStream()
	var samples []Sample
	var want []int
	for i := range 2000 {
		s := Sample{At: time.Duration(i) * 2 * time.Millisecond, Latency: st.warm(), Instance: "a"}
		switch {
		case i%200 == 100: // a new instance, waited for
			s.Instance = "new" + strconv.Itoa(i)
			s.Latency += st.init()
			want = append(want, i)
		case i%200 == 150: // a new instance, initialised ahead of demand
			s.Instance = "proactive" + strconv.Itoa(i)
		case i%200 == 170: // a known instance, slow for another reason
			s.Latency += st.init()
		}
		samples = append(samples, s)
	}
	got := tagged(run(t, New(Config{}), intervals(samples, 100*time.Millisecond)))
	if !equalInts(got, want) {
		t.Errorf("tagged %v\nwant   %v", got, want)
	}
}

// Without responses that agree on a warm latency there is nothing to
// compare with: Decide holds the first intervals back, then gives up and
// tags nothing rather than guess.
func TestNoWarmReferenceTagsNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var samples []Sample
	for i := range 400 {
		// Latencies anywhere from 1 ms to 400 ms: no warm mode.
		samples = append(samples, Sample{At: time.Duration(i) * 10 * time.Millisecond, Latency: time.Duration(1+rng.IntN(400)) * time.Millisecond})
	}
	d := New(Config{})
	ivs := intervals(samples, 100*time.Millisecond)
	decided := 0
	for i, iv := range ivs {
		d.Push(iv)
		for {
			dec, ok := d.Decide()
			if !ok {
				break
			}
			if i < maxHeld {
				t.Fatalf("decided after %d intervals; want %d held back first", i+1, maxHeld)
			}
			if dec.Threshold != 0 || len(tagged(dec.Cold)) != 0 {
				t.Errorf("interval at %v: threshold %v, tagged %v; want nothing", dec.Start, dec.Threshold, tagged(dec.Cold))
			}
			decided++
		}
	}
	d.Flush()
	for {
		if _, ok := d.Decide(); !ok {
			break
		}
		decided++
	}
	if decided != len(ivs) {
		t.Errorf("%d decisions for %d intervals", decided, len(ivs))
	}
}

// Memory follows what is alive, not the length of the run: two hours at
// 1-second intervals with instance churn and regular cold starts leave no
// pending interval, no stale group and no forgotten instance behind.
func TestMemoryStaysBounded(t *testing.T) {
	st := newStream()
	for _, ids := range []bool{false, true} {
		d := New(Config{})
		at := time.Duration(0)
		for sec := range 7200 {
			iv := Interval{Start: time.Duration(sec) * time.Second, End: time.Duration(sec+1) * time.Second}
			for k := range 50 {
				s := Sample{At: at, Latency: st.warm()}
				if k == 25 {
					s.Latency += st.init()
				}
				if ids {
					// A new instance every second, as churn.
					s.Instance = strconv.Itoa(sec)
				}
				iv.Samples = append(iv.Samples, s)
				at += 20 * time.Millisecond
			}
			d.Push(iv)
			for {
				if _, ok := d.Decide(); !ok {
					break
				}
			}
		}
		if len(d.pending) > 0 || len(d.groups.groups) > 16 || len(d.instances.lastSeen) > int(2*instanceMemory/time.Second) {
			t.Errorf("ids %v: after two hours %d pending intervals, %d groups, %d instances remembered",
				ids, len(d.pending), len(d.groups.groups), len(d.instances.lastSeen))
		}
	}
}
