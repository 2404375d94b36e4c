package analyze

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// clientRun is the simulator fixture as a newer fnbench would have
// recorded it: the client's delay measured for the targets whose cold
// starts are inferred (url and azure), and on url two intervals where the
// client was the bottleneck and inference suppressed slow responses.
func clientRun(t *testing.T) *Run {
	t.Helper()
	r, err := Load(simFixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range r.Targets {
		if tr.Info.Name == "invoke" {
			continue
		}
		for k := range tr.Intervals {
			iv := &tr.Intervals[k]
			iv.ClientDelayNs = int64(2 * time.Millisecond)
			if tr.Info.Name == "url" && (k == 3 || k == 4) {
				iv.ClientDelayNs, iv.ColdSuppressed, iv.ClientLimited = int64(120*time.Millisecond), 7, true
			}
		}
	}
	return r
}

// Where the client was the bottleneck and inference suppressed cold
// starts, the summary warns, naming the target, the intervals and their
// share; the JSON summary carries the warning and the target's client
// figures.
func TestClientBottleneckWarning(t *testing.T) {
	s := Summarize(clientRun(t))
	var url *TargetSummary
	for i := range s.Tables {
		if s.Tables[i].Target.Name == "url" {
			url = &s.Tables[i]
		}
	}
	c := url.Client
	if !c.Measured || c.Intervals != 2 || c.Suppressed != 14 || c.MaxDelay != 120*time.Millisecond || c.Share <= 0 || c.Share > 0.05 {
		t.Errorf("client of url: %+v", c)
	}
	if len(s.Warnings) != 1 {
		t.Fatalf("warnings %q; want one, about url", s.Warnings)
	}
	w := s.Warnings[0]
	for _, want := range []string{"target url", "bottleneck in 2 of", "14 slow responses not tagged", "120ms"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q does not say %q", w, want)
		}
	}
	b, err := json.Marshal(NewSummaryJSON(s))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			Warnings []string `json:"warnings"`
			Targets  []struct {
				Name   string          `json:"name"`
				Client json.RawMessage `json:"client"`
			} `json:"targets"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Runs[0].Warnings; len(got) != 1 || got[0] != w {
		t.Errorf("JSON warnings %q; want %q", got, w)
	}
	for _, tg := range doc.Runs[0].Targets {
		if (tg.Client != nil) != (tg.Name != "invoke") {
			t.Errorf("target %s: client %s", tg.Name, tg.Client)
		}
	}
}

// The built-in checks add "client kept up" for the targets whose
// client's delay was measured: inconclusive where client-bound intervals
// hold more than 1% of the requests, with a note that says why; absent
// where nothing was measured and nothing fell behind.
func TestClientKeptUpCheck(t *testing.T) {
	rep, err := Check(Summarize(clientRun(t)), CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]CheckResult{}
	for _, r := range rep.Results {
		if r.Expr == "client kept up" {
			got[r.Target] = r
		}
	}
	if len(got) != 2 {
		t.Fatalf("client checks for %v; want url and azure", got)
	}
	if r := got["url"]; r.Verdict != Inconclusive || !r.Builtin || r.Limit != BuiltinMaxClientBound ||
		!strings.Contains(r.Note, "bottleneck in 2 of") || !strings.Contains(r.Note, "14 inferred cold starts suppressed") {
		t.Errorf("url: %+v", r)
	}
	if r := got["azure"]; r.Verdict != Pass || r.Observed != 0 {
		t.Errorf("azure: %+v", r)
	}
	if rep.OK() {
		t.Error("the gate passes with the client the bottleneck")
	}
	if rep, _ := Check(Summarize(clientRun(t)), CheckOptions{InconclusivePasses: true}); !rep.OK() {
		t.Error("--inconclusive pass does not let it through")
	}
	// A threshold of the scenario's replaces the built-in checks.
	rep, _ = Check(Summarize(clientRun(t)), CheckOptions{Thresholds: thresholds(t, "error_rate < 50%")})
	for _, r := range rep.Results {
		if r.Expr == "client kept up" {
			t.Errorf("client check with thresholds of the run's own: %+v", r)
		}
	}
}

// An interval is client-bound by schedule lag when its lag p99, over
// enough requests to mean something, is beyond both the floor and a
// tenth of the interval's median latency.
func TestClientBoundByLag(t *testing.T) {
	for _, c := range []struct {
		completed int64
		lag, p50  time.Duration
		want      bool
	}{
		{1000, 50 * time.Millisecond, 50 * time.Millisecond, true},
		{1000, 50 * time.Millisecond, 2 * time.Second, false},      // within a tenth of the target's own time
		{1000, 8 * time.Millisecond, time.Millisecond, false},      // under the floor
		{40, 200 * time.Millisecond, 30 * time.Millisecond, false}, // one request of 40 that waited for a connection
		{ClientLagMin, 11 * time.Millisecond, time.Millisecond, true},
	} {
		iv := Interval{IntervalCounts: rundir.IntervalCounts{Completed: c.completed, LagP99Ns: int64(c.lag)}, P50: c.p50}
		if got := clientBound(&iv); got != c.want {
			t.Errorf("%d requests, lag p99 %v, p50 %v: client-bound %v, want %v", c.completed, c.lag, c.p50, got, c.want)
		}
	}
}
