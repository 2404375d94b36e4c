package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/analyze"
)

// cli runs fnbench in-process and returns its exit code and output.
func cli(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = execute(args, &out, &errb)
	return code, out.String(), errb.String()
}

// The bundled example runs on a fresh machine: its sim:// target starts the
// simulator in-process. The run directory loads back and says simulated.
func TestRunBundledExampleOnSimulator(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	// --inconclusive pass: on a busy machine the built-in "client kept up"
	// may be inconclusive for the spike, which is not what this tests.
	code, out, errs := cli("run", "../../scenarios/examples/local-ramp.yaml", "--out", dir, "--progress", "none", "--inconclusive", "pass",
		"--set", "traffic.phases[0].duration=1s", "--set", "traffic.phases[1].duration=1s",
		"--set", "traffic.phases[2].duration=200ms", "--set", "traffic.phases[3].duration=4s")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"target lambda", "simulated", "warm-up", "spike", "all"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil || !strings.Contains(string(b), `"simulated": true`) || !strings.Contains(string(b), `"status": "complete"`) {
		t.Errorf("run.json: %v\n%s", err, b)
	}
	code, rep, _ := cli("report", dir)
	if code != 0 || !strings.Contains(rep, "target lambda") {
		t.Errorf("report exit %d:\n%s", code, rep)
	}
}

// Bad input exits 2 with file:line:col and loses nothing.
func TestRunInvalidScenarioExits2(t *testing.T) {
	f := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(f, []byte("name: bad\ntargets: [{name: a, url: http://127.0.0.1:1/}]\ntraffic:\n  phases:\n    - {shape: constant, rat: 10/s, duration: 1s}\n"), 0o644)
	code, _, errs := cli("run", f, "--out", filepath.Join(t.TempDir(), "r"))
	if code != 2 || !strings.Contains(errs, "bad.yaml:5:25") || !strings.Contains(errs, `did you mean "rate"`) {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
	if strings.Contains(errs, "goroutine") || strings.Contains(errs, "panic") {
		t.Errorf("stack trace on stderr:\n%s", errs)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"nosuchcommand"},
		{"run"},
		{"run", "x.yaml", "--nosuchflag"},
		{"report", "/nonexistent/run"},
		{"report", "--format", "pdf", "x"},
	} {
		if code, _, errs := cli(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errs)
		}
	}
}

// A --shard the campaign refuses is bad usage: exit 2, nothing sent.
func TestBadShardExits2(t *testing.T) {
	scen := writeScenario(t, "name: sh\ntargets: [{name: a, url: http://127.0.0.1:1/}]\ntraffic: {arrivals: poisson, phases: [{shape: constant, rate: 1/s, duration: 1s}]}\n")
	for shard, want := range map[string]string{
		"5/4": "want i/n with 1 <= i <= n",
		"2/4": "Poisson arrivals need a seed",
	} {
		dir := filepath.Join(t.TempDir(), "r")
		code, _, errs := cli("run", scen, "--out", dir, "--shard", shard)
		if code != 2 || !strings.Contains(errs, want) {
			t.Errorf("--shard %s: exit %d, want 2 with %q\n%s", shard, code, want, errs)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("--shard %s: a run directory was created", shard)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := cli("version")
	if code != 0 || !strings.HasPrefix(out, "fnbench ") {
		t.Errorf("exit %d: %q", code, out)
	}
}

// Azure function keys reach the simulated Azure Functions app as the
// x-functions-key header or the code query parameter; without one it
// answers 401.
func TestAzureFunctionKeyOnSimulator(t *testing.T) {
	t.Setenv("FNB_AZURE_KEY", "fnbench-sim-function-key") // the simulator's test key
	scen := writeScenario(t, `name: azkey
seed: 1
targets:
  - name: header
    url: sim://azure-consumption-node/hello
    auth: {type: azure-function-key, value: "${FNB_AZURE_KEY}"}
  - name: query
    url: sim://azure-consumption-node/hello
    auth: {type: azure-function-key, send_as: query, value: "${FNB_AZURE_KEY}"}
  - name: nokey
    url: sim://azure-consumption-node/hello
traffic: {phases: [{shape: constant, rate: 10/s, duration: 500ms}]}
`)
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errs := cli("run", scen, "--out", dir, "--progress", "none")
	if code != 1 || !regexp.MustCompile(`fail +nokey +error_rate <= 1%`).MatchString(out) {
		t.Fatalf("exit %d, want 1: the target without a key fails the built-in error-rate check\n%s\n%s", code, out, errs)
	}
	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var cold int64
	for _, ts := range analyze.Summarize(run).Tables {
		ok := ts.Total.Warm + ts.Total.Cold
		switch ts.Target.Name {
		case "header", "query":
			cold += ts.Total.Cold
			if ok != 5 {
				t.Errorf("%s: %d successes, classes %v; want 5", ts.Target.Name, ok, ts.Total.Classes)
			}
		case "nokey":
			if ts.Total.Classes["http_error"] != 5 {
				t.Errorf("nokey: classes %v, want 5 http errors (401)", ts.Total.Classes)
			}
		}
	}
	// Both targets call one simulated app: its first instance starts cold.
	if cold < 1 {
		t.Error("no cold start tagged on the simulated Azure app")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "run.json")); strings.Contains(string(b), "fnbench-sim-function-key") {
		t.Error("the function key reached run.json")
	}
}
