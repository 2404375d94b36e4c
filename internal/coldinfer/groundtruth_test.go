package coldinfer

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/fixtures/sim"
)

var (
	seed = flag.Uint64("seed", 1, "simulator seed for TestInferredColdStartsMatchGroundTruth")
	dump = flag.String("dump", "", "directory to write each run's requests and ground truth to, as CSV")
)

// The targets: every built-in provider profile but trivial (its INIT is
// zero, so no client can see its cold starts), each endpoint kind, and
// Lambda with proactive initialisation, whose new environments are not
// cold for the client.
var simTargets = []simTarget{
	{name: "lambda-url", profile: "aws-go-hello", function: "hello-plain", kind: sim.KindLambdaURL, scale: 1, concurrency: 1},
	{name: "lambda-invoke", profile: "aws-go-hello", function: "hello-plain", kind: sim.KindLambdaInvoke, scale: 1, concurrency: 1},
	{name: "lambda-proactive", profile: "aws-go-hello", function: "hello-plain", kind: sim.KindLambdaURL, scale: 1, concurrency: 1,
		edit: func(f *sim.FunctionSpec) { f.ProactiveInitRate = 0.3 }},
	{name: "apigw-http", profile: "aws-apigw-http", function: "hello", kind: sim.KindAPIGWHTTP, scale: 1, concurrency: 1},
	{name: "apigw-rest", profile: "aws-apigw-http", function: "hello", kind: sim.KindAPIGWREST, scale: 1, concurrency: 1},
	{name: "lambda-python", profile: "aws-python-hello", function: "hello", kind: sim.KindLambdaURL, scale: 1, concurrency: 1},
	{name: "lambda-snapstart", profile: "aws-java-snapstart", function: "hello", kind: sim.KindLambdaURL, scale: 1, concurrency: 1},
	// Consumption's bursts fill its 8-request instances more slowly than
	// it adds instances (one per simulated second), so that requests do
	// not queue: when they do, the simulator sometimes gives a new
	// instance to a request that just arrived rather than to the oldest
	// one waiting, and records the newcomer as the cold start while the
	// client sees the waiters come back first (see the package
	// documentation). Flex adds instances faster, but a burst much faster
	// than 300 requests a second races its scale-out timer the same way.
	//
	// On shared instances one run holds 20 to 40 cold starts and the
	// detector misses about one in 25 (two instances ready at once, INIT
	// shorter than the threshold), so a single run passes 0.95 only about
	// half the time; it must reach 0.85, and the figures over many runs
	// are in the package documentation.
	{name: "azure-consumption", profile: "azure-consumption-node", function: "hello", kind: sim.KindAzureHTTP, scale: 0.04,
		bursts: 10, burstRate: 150, burstLength: 300 * time.Millisecond, want: 0.85},
	// Flex with Python (one request per instance) does better, 0.97 at
	// worst over 8 runs on an idle machine, but a run holds about 30 cold
	// starts and two warm responses a hair over the threshold take it to
	// 0.94 on a loaded one: it must reach 0.9.
	{name: "azure-flex-python", profile: "azure-flex-python", function: "hello", kind: sim.KindAzureHTTP, scale: 0.05,
		bursts: 10, burstRate: 300, burstLength: 300 * time.Millisecond, want: 0.9},
	{name: "azure-flex-node", profile: "azure-flex-python", function: "flex-node", kind: sim.KindAzureHTTP, scale: 0.05,
		bursts: 10, burstRate: 300, burstLength: 300 * time.Millisecond, want: 0.85},
	// Bursts from zero on Consumption as a user sends them: long enough
	// for the queue behind the first instances (INIT 0.6 s typical at
	// this scale, up to 7 s) to span several intervals, so that the first
	// intervals hold nothing but requests that waited for them. Those
	// agree with each other, and made the first warm reference before the
	// queue-aware bootstrap: 0 of 4 cold starts were found in the issue's
	// run (issue 12). Requests queue here, so the simulator sometimes
	// records as the cold start a neighbour of the request the client
	// sees start an instance (see above): a tag on a request sent within
	// 10 ms (two requests) of a missed cold start counts for it. One run
	// holds 10 to 20 cold starts: it must reach 0.75, which the detector
	// before the fix missed in 5 of 8 runs.
	{name: "azure-consumption-burst", profile: "azure-consumption-node", function: "hello", kind: sim.KindAzureHTTP, scale: 0.25,
		phases: burstsFromZero(5, 200, 2*time.Second), neighbours: 10 * time.Millisecond, want: 0.75},
}

// burstsFromZero is n bursts at rate for length, each after an idle gap
// long enough for evictions.
func burstsFromZero(n int, rate float64, length time.Duration) []phase {
	var out []phase
	for range n {
		out = append(out, phase{rate: rate, dur: length}, phase{dur: idleGap})
	}
	return out
}

// overshootExcuse: a response that came back this much later than the
// simulator says it kept the request was delayed by the machine running
// the test (both ends share two busy cores), not by the platform it
// simulates; it is left out of the score.
const overshootExcuse = 10 * time.Millisecond

// A run in which the machine held up more than maxExcused of the
// responses is run again, up to attempts times: a stall long enough to
// hold up that many responses also holds up the cold starts around it and
// blurs the warm reference, and measures the machine rather than the
// detector.
const (
	maxExcused = 0.02
	attempts   = 3
)

func excusedShare(obs []observed) float64 {
	n, held := 0, 0
	for _, o := range obs {
		if o.ok {
			n++
			if o.excused {
				held++
			}
		}
	}
	return ratio(held, n)
}

// observed is one request as the evaluation scores it.
type observed struct {
	sample  Sample
	ok      bool // a success for both the client and the simulator
	cold    bool // ground truth: the client waited for a new instance
	excused bool
}

func observe(shots []shot, truth []*sim.Invocation) []observed {
	out := make([]observed, len(shots))
	for i, s := range shots {
		inv := truth[i]
		out[i] = observed{
			sample:  Sample{At: s.at, Latency: s.latency, Instance: inv.Instance},
			ok:      s.status == 200 && inv.Status == 200,
			cold:    inv.Cold,
			excused: s.latency-served(inv) > overshootExcuse,
		}
	}
	return out
}

// score is a detector's tally against ground truth.
type score struct {
	tp, fp, fn, excused int
	misses              []string // the false positives and negatives, for the log
	// fpAt and fnAt are when the false positives and negatives were sent.
	fpAt, fnAt []time.Duration
}

// neighbours counts as found each cold start missed whose neighbour, sent
// within window of it, was tagged instead: the count is right, the request
// is not (see simTargets on the simulator's Azure queue). Each tag pairs
// with one miss at most.
func (s score) neighbours(window time.Duration) score {
	used := make([]bool, len(s.fpAt))
	var fnAt []time.Duration
	for _, fn := range s.fnAt {
		paired := false
		for k, fp := range s.fpAt {
			if !used[k] && (fp-fn).Abs() <= window {
				used[k], paired = true, true
				break
			}
		}
		if paired {
			s.tp++
			s.fp--
			s.fn--
		} else {
			fnAt = append(fnAt, fn)
		}
	}
	s.fnAt = fnAt
	return s
}

func (s score) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s score) recall() float64    { return ratio(s.tp, s.tp+s.fn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (s score) String() string {
	return fmt.Sprintf("precision %.3f recall %.3f (tp %d fp %d fn %d, %d excused)", s.precision(), s.recall(), s.tp, s.fp, s.fn, s.excused)
}

// replay hands the successes to a detector interval by interval, as the
// recorder would, and scores its decisions. withIDs passes the instance
// ids along, as from a platform that shows them.
func replay(obs []observed, cfg Config, interval time.Duration, withIDs bool) score {
	var sc score
	d := New(cfg)
	type slot struct {
		samples        []Sample
		truth, excused []bool
	}
	var slots []slot
	take := func() {
		for {
			dec, ok := d.Decide()
			if !ok {
				return
			}
			sl := slots[0]
			slots = slots[1:]
			for i, cold := range dec.Cold {
				switch {
				case sl.excused[i]:
					sc.excused++
				case cold && sl.truth[i]:
					sc.tp++
				case cold:
					sc.fp++
					sc.fpAt = append(sc.fpAt, sl.samples[i].At)
					sc.misses = append(sc.misses, fmt.Sprintf("false positive sent at %v, latency %v (threshold %v)", sl.samples[i].At, sl.samples[i].Latency, dec.Threshold))
				case sl.truth[i]:
					sc.fn++
					sc.fnAt = append(sc.fnAt, sl.samples[i].At)
					sc.misses = append(sc.misses, fmt.Sprintf("false negative sent at %v, latency %v (threshold %v)", sl.samples[i].At, sl.samples[i].Latency, dec.Threshold))
				}
			}
		}
	}
	k := 0
	for start := time.Duration(0); k < len(obs); start += interval {
		iv := Interval{Start: start, End: start + interval}
		var sl slot
		for ; k < len(obs) && obs[k].sample.At < iv.End; k++ {
			if !obs[k].ok {
				continue
			}
			s := obs[k].sample
			if !withIDs {
				s.Instance = ""
			}
			iv.Samples = append(iv.Samples, s)
			sl.samples = append(sl.samples, s)
			sl.truth = append(sl.truth, obs[k].cold)
			sl.excused = append(sl.excused, obs[k].excused)
		}
		slots = append(slots, sl)
		d.Push(iv)
		take()
	}
	d.Flush()
	take()
	return sc
}

// Inferred detection finds the cold starts the simulator's ground truth
// records, from latency alone, on every provider profile: at least 95%
// precision and 95% recall in a run (85% on Azure's shared instances, see
// simTargets). The scenario
// is a burst from zero, idle gaps long enough for evictions, a spike from a
// low base and a ramp. Lambda is configured as one request per instance,
// as fnbench knows it; on Azure the detector learns whether instances are
// shared.
func TestInferredColdStartsMatchGroundTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the simulator for about a minute")
	}
	for _, tg := range simTargets {
		t.Run(tg.name, func(t *testing.T) {
			var shots []shot
			var truth []*sim.Invocation
			var obs []observed
			for attempt := 1; ; attempt++ {
				shots, truth = runSim(t, tg, *seed)
				obs = observe(shots, truth)
				held := excusedShare(obs)
				if held <= maxExcused || attempt == attempts {
					break
				}
				t.Logf("attempt %d: the machine held up %.0f%% of responses by more than %v; running again", attempt, 100*held, overshootExcuse)
			}
			if *dump != "" {
				writeRun(t, filepath.Join(*dump, fmt.Sprintf("%s-%d.csv", tg.name, *seed)), shots, truth)
			}
			var ok, cold, proactive int
			for i, o := range obs {
				if !o.ok {
					continue
				}
				ok++
				if o.cold {
					cold++
				}
				if truth[i].ProactiveInit {
					proactive++
				}
			}
			t.Logf("seed %d: %d requests, %d successes, %d cold, %d proactive inits", *seed, len(obs), ok, cold, proactive)
			if cold < 5 {
				t.Fatalf("only %d cold starts: the scenario does not exercise them", cold)
			}
			if tg.edit != nil && proactive == 0 {
				t.Fatalf("no proactive init happened")
			}
			// Scored as the recorder would run it in these tests (250 ms
			// intervals). The engine's default (1 s) and 100 ms, and
			// instance ids as a platform that shows them would give, are
			// logged.
			cfg := Config{InstanceConcurrency: tg.concurrency}
			want := cmp.Or(tg.want, 0.95)
			score := func(interval time.Duration, withIDs bool) score {
				sc := replay(obs, cfg, interval, withIDs)
				if tg.neighbours > 0 {
					sc = sc.neighbours(tg.neighbours)
				}
				return sc
			}
			sc := score(250*time.Millisecond, false)
			t.Logf("interval 250ms, latency only: %v", sc)
			if sc.precision() < want || sc.recall() < want {
				t.Errorf("%v; want precision and recall of at least %v", sc, want)
				for _, m := range sc.misses {
					t.Log(m)
				}
			}
			for _, interval := range []time.Duration{100 * time.Millisecond, time.Second} {
				t.Logf("interval %v, latency only: %v", interval, score(interval, false))
			}
			t.Logf("interval 250ms, instance ids: %v", score(250*time.Millisecond, true))
		})
	}
}

// writeRun writes one run as CSV, a row per request, for a look at what
// the detector got wrong.
func writeRun(t *testing.T, file string, shots []shot, truth []*sim.Invocation) {
	var b strings.Builder
	b.WriteString("at_us,latency_us,status,cold,proactive,queue_us,init_us,handler_us,instance\n")
	for i, s := range shots {
		inv := truth[i]
		fmt.Fprintf(&b, "%d,%d,%d,%v,%v,%d,%d,%d,%s\n", s.at.Microseconds(), s.latency.Microseconds(), s.status,
			inv.Cold, inv.ProactiveInit, inv.QueueWait.Microseconds(), inv.InitDuration.Microseconds(), inv.HandlerDuration.Microseconds(), inv.Instance)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}
