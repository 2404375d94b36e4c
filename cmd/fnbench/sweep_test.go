package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
)

// A memory sweep's directory gets a comparison view from fnbench report
// and fnbench cost, ahead of AWS Lambda Power Tuning's: per size the
// latency with its intervals, the mean billed duration, the init time, the
// cost per million with its interval, a chart of cost against p99, and a
// recommendation under a strategy.
func TestSweepView(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep against the simulator")
	}
	awsTestEnv(t)
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"aws-go-hello"}, TimeScale: 0.2})
	e, _ := s.ResolveEndpoint("sim://aws-go-hello/hello/lambda-invoke")
	scen := writeScenario(t, `name: sweep
seed: 1
interval: 250ms
sweep: {memory_mb: [128, 512, 2048]}
targets:
  - {name: lambda, kind: aws-lambda, function: hello, endpoint: `+e.BaseEndpoint+`}
traffic:
  phases: [{shape: constant, rate: 40/s, duration: 2s}]
`)
	dir := filepath.Join(t.TempDir(), "sweep")
	if code, out, errs := cli("run", scen, "--out", dir, "--progress", "none"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli("report", dir, "--strategy", "cost")
	for _, s := range []string{"target lambda  3 memory sizes  strategy cost", "128 MB", "512 MB", "2048 MB", "USD per 1M (95% CI)", "recommended (cost): "} {
		if code != 0 || !strings.Contains(out, s) {
			t.Errorf("report lacks %q (exit %d, %s):\n%s", s, code, errs, out)
		}
	}
	code, out, _ = cli("report", dir, "--format", "json", "--strategy", "speed")
	var doc struct {
		Kind        string `json:"kind"`
		Strategy    string `json:"strategy"`
		Recommended int    `json:"recommended_memory_mb"`
		Reason      string `json:"reason"`
		Sizes       []struct {
			MemoryMB       int     `json:"memory_mb"`
			Requests       int64   `json:"requests"`
			MeanBilled     int64   `json:"mean_billed_ns"`
			PerMillion     float64 `json:"per_million_usd"`
			PerMillionLow  float64 `json:"per_million_low_usd"`
			PerMillionHigh float64 `json:"per_million_high_usd"`
			Basis          string  `json:"basis"`
		} `json:"sizes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil || doc.Kind != "sweep" || len(doc.Sizes) != 3 {
		t.Fatalf("json (exit %d, %v):\n%s", code, err, out)
	}
	for _, z := range doc.Sizes {
		if z.Requests != 80 || z.MeanBilled <= 0 || z.Basis != "billing" || !(z.PerMillionLow <= z.PerMillion && z.PerMillion <= z.PerMillionHigh) {
			t.Errorf("size %+v: want 80 requests, measured billing, the cost inside its interval", z)
		}
	}
	if doc.Sizes[0].PerMillion >= doc.Sizes[2].PerMillion {
		t.Errorf("128 MB costs %v per million, 2048 MB %v: a hello function costs more with more memory", doc.Sizes[0].PerMillion, doc.Sizes[2].PerMillion)
	}
	if doc.Strategy != "speed" || doc.Recommended == 0 || doc.Reason == "" {
		t.Errorf("recommendation %q %d: %q", doc.Strategy, doc.Recommended, doc.Reason)
	}
	page := filepath.Join(t.TempDir(), "sweep.html")
	if code, _, errs := cli("report", dir, "--format", "html", "-o", page); code != 0 {
		t.Fatalf("html: exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(page); !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "Recommended: ") {
		t.Errorf("the html page lacks the chart or the recommendation")
	}
	if code, out, _ := cli("cost", dir); code != 0 || !strings.Contains(out, "recommended (balanced): ") {
		t.Errorf("fnbench cost on a sweep (exit %d):\n%s", code, out)
	}
	if code, _, errs := cli("report", dir, "--strategy", "cheap"); code != 2 || !strings.Contains(errs, `strategy "cheap" is not known`) {
		t.Errorf("an unknown strategy: exit %d, %s", code, errs)
	}
}
