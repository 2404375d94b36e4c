package attack_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/rundir"
)

// plainProfile writes a copy of a built-in simulator profile without
// markers (inferred detection must do without them), with its keep-alive
// compressed to keepMs of real time so that a short idle gap evicts, and
// its inits stretched to at least minInitMs of real time, and returns its
// path. A 40 ms init stands out of a loopback round trip on an idle
// machine but not on one whose cores another process keeps busy; the
// detector's accuracy on inits as calibrated is internal/coldinfer's
// ground-truth test.
func plainProfile(t *testing.T, name string, scale, keepMs float64) string {
	t.Helper()
	const minInitMs = 150
	p, err := sim.LoadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	off := false
	for i := range p.Functions {
		f := &p.Functions[i]
		med := keepMs / scale
		f.KeepAlive = sim.Dist{Kind: "lognormal", MedianMs: med, P90Ms: med * 1.5}
		stretch(&f.Init, minInitMs/scale)
		if f.SnapStart != nil {
			stretch(&f.SnapStart.Restore, minInitMs/scale)
		}
		for j := range f.Endpoints {
			f.Endpoints[j].Markers = &off
		}
	}
	b, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// stretch scales a lognormal distribution up so that its median is at
// least minMs.
func stretch(d *sim.Dist, minMs float64) {
	if d.Kind != "lognormal" || d.MedianMs <= 0 || d.MedianMs >= minMs {
		return
	}
	k := minMs / d.MedianMs
	d.MedianMs, d.P90Ms, d.MaxMs = d.MedianMs*k, d.P90Ms*k, d.MaxMs*k
}

// Inferred detection through the whole engine, with no help from the
// function, against the simulator's ground truth on every provider
// profile, on a scenario of a burst from zero, idle gaps long enough for
// evictions, a spike and a ramp. Lambda's responses are joined to the
// truth by request id; Azure's, which carry none, by arrival time.
//
// The detector's own acceptance (95% precision and recall on every
// profile, over many runs) is internal/coldinfer's ground-truth test,
// which also sets aside requests the test machine itself held up and adds
// bursts on Azure. This one checks the engine's wiring, with a 90% bar.
// Azure Consumption is left to that test: this scenario gives it only a
// handful of cold starts, whose tagged requests may be neighbours of the
// ones the platform counted.
func TestInferredColdStartsAgainstGroundTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("drives six simulated profiles for several seconds each")
	}
	for _, c := range []struct {
		profile, url string
		scale        float64
	}{
		{"aws-go-hello", "sim://aws-go-hello/hello-plain/lambda-url", 1},
		{"aws-go-hello", "sim://aws-go-hello/hello-plain/lambda-invoke", 1},
		{"aws-apigw-http", "sim://aws-apigw-http/hello/apigw-http", 1},
		{"aws-python-hello", "sim://aws-python-hello/hello/lambda-url", 1},
		{"aws-java-snapstart", "sim://aws-java-snapstart/hello/lambda-url", 1},
		{"azure-flex-python", "sim://azure-flex-python/hello", 0.05},
	} {
		t.Run(c.url[6:], func(t *testing.T) {
			file := plainProfile(t, c.profile, c.scale, 200)
			// A run the shared machine disturbed (a stall that slows the
			// warm responses the reference is built from) is run again, as
			// internal/coldinfer's harness does; each is logged. A run in
			// which fnbench found itself the bottleneck and suppressed
			// inference (a busy CI machine) is not scored on recall: it
			// declined to judge, and says so in its warnings. Its
			// precision still counts: overload must never make cold starts.
			var tp, fp, fn int
			var suppressed int64
			var precision, recall float64
			for attempt := 1; attempt <= 3; attempt++ {
				tp, fp, fn, suppressed = inferredRun(t, c.profile, c.url, file, c.scale)
				precision = float64(tp) / float64(max(tp+fp, 1))
				recall = float64(tp) / float64(max(tp+fn, 1))
				t.Logf("%s: %d cold starts in truth, %d tagged: precision %.3f, recall %.3f, %d suppressed for the client's delay",
					c.url, tp+fn, tp+fp, precision, recall, suppressed)
				if precision >= 0.9 && (recall >= 0.9 || suppressed > 0) {
					break
				}
			}
			if tp+fn < 3 {
				t.Fatalf("only %d cold starts in the ground truth", tp+fn)
			}
			if precision < 0.9 || (recall < 0.9 && suppressed == 0) {
				t.Errorf("precision %.3f, recall %.3f; want at least 0.9 each", precision, recall)
			}
		})
	}
}

// inferredRun runs the scenario against a fresh simulator serving file and
// scores the inferred cold starts against its ground truth.
func inferredRun(t *testing.T, profile, url, file string, scale float64) (tp, fp, fn int, suppressed int64) {
	t.Helper()
	s := simtest.StartConfig(t, sim.Config{ProfileFiles: []string{file}, TimeScale: scale, Seed: 11, KeepTruth: true})
	e, err := s.ResolveEndpoint(url)
	if err != nil {
		t.Fatal(err)
	}
	target := "{name: fn, url: " + e.URL + "}"
	if e.Kind == "lambda-invoke" {
		target = "{name: fn, kind: aws-lambda, function: " + e.Function + ", endpoint: sim://" + profile + "}"
	}
	if e.Auth == "function-key" {
		target = "{name: fn, url: " + e.URL + ", auth: {type: azure-function-key, value: " + sim.DefaultFunctionKey + "}}"
	}
	dir := runPlan(t, s, `
name: inferred
seed: 1
interval: 250ms
cold_start: {detect: inferred}
targets: [`+target+`]
traffic:
  phases:
    - {name: burst, shape: constant, rate: 300/s, duration: 500ms}
    - {name: idle, shape: pause, duration: 800ms}
    - {name: spike, shape: spike, rate: 20/s, peak: 600/s, at: 300ms, hold: 200ms, duration: 800ms}
    - {name: idle2, shape: pause, duration: 800ms}
    - {name: ramp, shape: ramp, rate: 20/s, to: 400/s, duration: 1s}
`)
	for _, iv := range loadRun(t, dir).Targets[0].Intervals {
		suppressed += iv.ColdSuppressed
	}
	tp, fp, fn = matchColdStarts(t, dir, s.Truth(), readEvents(t, dir, rundir.EventColdStart))
	return tp, fp, fn, suppressed
}

// matchColdStarts counts true positives, false positives and false
// negatives of the tagged cold starts against the truth: by request id when
// the events carry one, else by arrival time (each truth cold start matches
// the nearest unmatched tagged one within 50 ms: the send may wait for a connection).
func matchColdStarts(t *testing.T, dir string, truth []sim.Invocation, events []rundir.Event) (tp, fp, fn int) {
	t.Helper()
	cold := map[string]sim.Invocation{}
	var coldTimes []time.Time
	for _, inv := range truth {
		if inv.Cold && inv.Status == 200 {
			cold[inv.RequestID] = inv
			coldTimes = append(coldTimes, inv.Time)
		}
	}
	if len(events) > 0 && events[0].RequestID != "" {
		for _, e := range events {
			if _, ok := cold[e.RequestID]; ok {
				tp++
				delete(cold, e.RequestID)
			} else {
				fp++
			}
		}
		return tp, fp, len(cold)
	}
	start := loadRun(t, dir).Info.StartTime
	tagged := make([]time.Time, len(events))
	for i, e := range events {
		tagged[i] = start.Add(time.Duration(e.AtNanos))
	}
	sort.Slice(tagged, func(i, j int) bool { return tagged[i].Before(tagged[j]) })
	used := make([]bool, len(tagged))
	for _, ct := range coldTimes {
		best, bestD := -1, 50*time.Millisecond
		for i, tt := range tagged {
			if d := ct.Sub(tt).Abs(); !used[i] && d <= bestD {
				best, bestD = i, d
			}
		}
		if best >= 0 {
			used[best] = true
			tp++
		} else {
			fn++
		}
	}
	return tp, len(tagged) - tp, fn
}
