package attack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// runYAML runs a scenario given as YAML, with every "URL" in it replaced by
// url, and returns the run directory.
func runYAML(t *testing.T, ctx context.Context, url, scenario string) (*attack.Outcome, string) {
	t.Helper()
	plan, err := scenarios.Parse("test.yaml", []byte(strings.ReplaceAll(scenario, "URL", url)), scenarios.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	targets, err := attack.TargetsFromPlan(context.Background(), plan, attack.Env{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	out, err := attack.Run(ctx, attack.Options{Plan: plan, Targets: targets, OutDir: dir, Tool: rundir.ToolInfo{Version: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	return out, dir
}

func okServer(t *testing.T) *httptest.Server {
	return okServerWith(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	})
}

func loadRun(t *testing.T, dir string) *analyze.Run {
	t.Helper()
	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// Uniform arrivals are exact: each phase sends exactly its expected count.
func TestUniformArrivalsAreExact(t *testing.T) {
	srv := okServer(t)
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: exact
seed: 1
interval: 250ms
targets:
  - {name: a, url: URL}
  - {name: b, url: URL, method: POST, body: "hello"}
traffic:
  phases:
    - {name: flat, shape: constant, rate: 200/s, duration: 1s}
    - {name: gap, shape: pause, duration: 300ms}
    - {name: up, shape: ramp, rate: 0/s, to: 400/s, duration: 1s}
`)
	run := loadRun(t, dir)
	if run.Status != rundir.StatusComplete {
		t.Fatalf("status %s", run.Status)
	}
	want := []int64{200, 0, 200}
	sum := analyze.Summarize(run)
	for _, ts := range sum.Tables {
		for p, row := range ts.Phases {
			if row.Offered != want[p] || row.Sent != want[p] || row.Warm != want[p] {
				t.Errorf("target %s phase %s: offered %d sent %d warm %d, want %d of each",
					ts.Target.Name, row.Phase, row.Offered, row.Sent, row.Warm, want[p])
			}
		}
		if ts.Total.Errors != 0 || ts.Total.NotSent != 0 {
			t.Errorf("target %s: %d errors, %d not sent", ts.Target.Name, ts.Total.Errors, ts.Total.NotSent)
		}
	}
	if got := sum.Tables[1].Total.BytesOut; got != 400*5 {
		t.Errorf("target b sent %d body bytes, want %d", got, 400*5)
	}
}

// Poisson arrivals through the engine: the count is within statistical
// bounds of the mean (the arrival maths itself is tested in scenarios).
func TestPoissonArrivalCount(t *testing.T) {
	srv := okServer(t)
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: poisson
seed: 7
targets: [{name: a, url: URL}]
traffic:
  arrivals: poisson
  phases: [{shape: ramp, rate: 100/s, to: 500/s, duration: 2s}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	// Mean 600, standard deviation sqrt(600) ≈ 24.5: allow 4 sigma.
	if row.Sent < 600-98 || row.Sent > 600+98 {
		t.Errorf("sent %d requests, want 600 ± 98", row.Sent)
	}
	if row.Sent != row.Warm {
		t.Errorf("sent %d, warm %d", row.Sent, row.Warm)
	}
}

// The latency log is a standard HdrHistogram log: hdrhistogram-go's own
// reader reads it back with the same counts as the counters file.
func TestLatencyLogReadByHdrHistogramReader(t *testing.T) {
	srv := okServer(t)
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: hlog
seed: 1
interval: 200ms
targets: [{name: a, url: URL}, {name: b, url: URL}]
traffic:
  phases: [{shape: constant, rate: 300/s, duration: 1s}]
`)
	f, err := os.Open(filepath.Join(dir, rundir.LatencyFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := hdr.NewHistogramLogReader(f)
	byTag := map[string]int64{}
	lines := 0
	for {
		h, err := rd.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		lines++
		byTag[h.Tag()] += h.TotalCount()
	}
	counters := map[string]int64{}
	readJSONLines(t, filepath.Join(dir, rundir.IntervalsFile), func(c rundir.IntervalCounts) {
		counters[c.Target+"/warm"] += c.Warm
	})
	if lines != 10 {
		t.Errorf("read %d interval histograms, want 10 (5 intervals × 2 targets)", lines)
	}
	for _, tag := range []string{"a/warm", "b/warm"} {
		if byTag[tag] != 300 || counters[tag] != 300 {
			t.Errorf("tag %s: log has %d, counters %d, want 300", tag, byTag[tag], counters[tag])
		}
	}
	head, _ := os.ReadFile(filepath.Join(dir, rundir.LatencyFile))
	if !strings.HasPrefix(string(head), "#[Histogram log format version 1.3]\n") {
		t.Errorf("latency.hlog does not start with the 1.3 format line:\n%.200s", head)
	}
}

func readJSONLines(t *testing.T, path string, fn func(rundir.IntervalCounts)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c rundir.IntervalCounts
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		fn(c)
	}
}

// Beyond the in-flight cap an arrival is counted as not sent, never queued.
func TestInFlightCapCountsNotSent(t *testing.T) {
	release := make(chan struct{})
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		<-release
	}))
	defer srv.Close()
	time.AfterFunc(700*time.Millisecond, func() { close(release) })
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: cap
seed: 1
defaults: {max_in_flight: 10, timeout: 5s}
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 100/s, duration: 500ms}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Offered != 50 || row.Sent != 10 || row.NotSent != 40 {
		t.Errorf("offered %d sent %d not sent %d; want 50, 10, 40", row.Offered, row.Sent, row.NotSent)
	}
	if served.Load() != 10 {
		t.Errorf("server saw %d requests, want 10", served.Load())
	}
}

// Timeouts run from the intended send time and are classified as such.
func TestTimeoutIsClassified(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: timeout
seed: 1
defaults: {timeout: 100ms}
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 20/s, duration: 250ms}]
`)
	run := loadRun(t, dir)
	row := analyze.Summarize(run).Tables[0].Total
	if row.Errors != 5 || row.Classes[rundir.ClassTimeout] != 5 {
		t.Errorf("errors %d, classes %v; want 5 timeouts", row.Errors, row.Classes)
	}
	errH := run.Targets[0].Phases[0].Latency(rundir.OutcomeError)
	// Never before the timeout; after it by what a busy machine takes to
	// run the timer's goroutine (tens of milliseconds when other processes
	// hold the cores), not by another timeout's worth.
	if max := time.Duration(errH.Max()); max < 100*time.Millisecond || max >= 200*time.Millisecond {
		t.Errorf("timed-out requests recorded at up to %s, want about the 100ms timeout", max)
	}
}

// The engine never retries: a server that drops every connection sees each
// request exactly once.
func TestNoRetries(t *testing.T) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("no hijacker")
			return
		}
		c, _, _ := hj.Hijack()
		c.Close()
	}))
	defer srv.Close()
	_, dir := runYAML(t, context.Background(), srv.URL, `
name: noretry
seed: 1
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 50/s, duration: 400ms}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if seen.Load() != 20 || row.Classes[rundir.ClassTransportError] != 20 {
		t.Errorf("server saw %d requests, run counted %v; want 20 and 20 transport errors", seen.Load(), row.Classes)
	}
}

// Cancelling the context stops the schedule and marks the run interrupted;
// the run directory stays readable.
func TestInterruptedRun(t *testing.T) {
	var seen atomic.Int64
	srv := okServerWith(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Stop once the run is well under way, however long its set-up
		// took on a busy machine.
		for deadline := time.Now().Add(30 * time.Second); seen.Load() < 60 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	out, dir := runYAML(t, ctx, srv.URL, `
name: interrupt
seed: 1
interval: 200ms
targets: [{name: a, url: URL}]
traffic:
  phases: [{shape: constant, rate: 100/s, duration: 10s}]
`)
	if out.Status != rundir.StatusInterrupted {
		t.Fatalf("status %s", out.Status)
	}
	run := loadRun(t, dir)
	row := analyze.Summarize(run).Tables[0].Total
	if run.Status != rundir.StatusInterrupted || row.Sent < 60 || row.Sent > 300 || row.Sent != row.Warm {
		t.Errorf("status %s, sent %d warm %d; want interrupted soon after 60 requests, every one warm", run.Status, row.Sent, row.Warm)
	}
	// The recorded span ends where sending stopped: 100/s, 10 ms a request.
	if per := row.Duration / time.Duration(max(row.Sent, 1)); per < 8*time.Millisecond || per > 13*time.Millisecond {
		t.Errorf("recorded span %s for %d requests (%s each), want 10ms each", row.Duration, row.Sent, per)
	}
}

// An output directory that already holds a run is refused, and nothing in
// it is lost.
func TestRefusesExistingRun(t *testing.T) {
	srv := okServer(t)
	plan, err := scenarios.Parse("t.yaml", []byte("name: x\ntargets: [{name: a, url: "+srv.URL+"}]\ntraffic: {phases: [{shape: constant, rate: 1/s, duration: 1s}]}\n"), scenarios.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	targets, _ := attack.TargetsFromPlan(context.Background(), plan, attack.Env{})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, rundir.RunFile), []byte("{}"), 0o644)
	_, err = attack.Run(context.Background(), attack.Options{Plan: plan, Targets: targets, OutDir: dir})
	if err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, rundir.RunFile)); string(b) != "{}" {
		t.Errorf("run.json was overwritten")
	}
}

// Outcomes are classified by status and headers: throttling by 429 or by
// x-amzn-ErrorType even on a 400, function errors by X-Amz-Function-Error or
// a 5xx, other 4xx as http errors. Both response paths agree.
func TestErrorClasses(t *testing.T) {
	srv := okServerWith(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/throttle400":
			w.Header().Set("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/")
			w.WriteHeader(400)
		case "/throttle429":
			w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
			w.WriteHeader(429)
			w.Write([]byte(`{"Reason": "ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`))
		case "/fnerr":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			w.Write([]byte(`{"errorMessage":"boom"}`))
		case "/bad-gateway":
			w.WriteHeader(502)
		case "/missing":
			w.WriteHeader(404)
		}
	})
	for _, pooled := range []bool{false, true} { // the h1 sender, then net/http's transport
		_, dir := runYAML(t, context.Background(), srv.URL, fmt.Sprintf(`
name: classes
seed: 1
defaults: {keepalive: %v}
targets:
  - {name: throttle400, url: URL/throttle400}
  - {name: throttle429, url: URL/throttle429}
  - {name: fnerr, url: URL/fnerr}
  - {name: bad-gateway, url: URL/bad-gateway}
  - {name: missing, url: URL/missing}
traffic:
  phases: [{shape: constant, rate: 20/s, duration: 250ms}]
`, !pooled))
		want := map[string]string{
			"throttle400": rundir.ClassThrottled, "throttle429": rundir.ClassThrottled,
			"fnerr": rundir.ClassFunctionError, "bad-gateway": rundir.ClassFunctionError,
			"missing": rundir.ClassHTTPError,
		}
		run := loadRun(t, dir)
		reason := false
		for _, ev := range run.Events {
			if ev.Target == "throttle429" && strings.Contains(ev.Message, "TooManyRequestsException (ConcurrentInvocationLimitExceeded)") {
				reason = true
			}
		}
		if !reason {
			t.Errorf("net/http path %v: no error sample names the throttle's reason: %+v", pooled, run.Events)
		}
		for _, ts := range analyze.Summarize(run).Tables {
			c := want[ts.Target.Name]
			if ts.Total.Errors != 5 || ts.Total.Classes[c] != 5 {
				t.Errorf("net/http path %v, target %s: errors %d, classes %v; want 5 %s", pooled, ts.Target.Name, ts.Total.Errors, ts.Total.Classes, c)
			}
		}
	}
}

func okServerWith(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
