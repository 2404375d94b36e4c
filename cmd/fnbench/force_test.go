package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/lambdactl"
	"github.com/fnbench/fnbench/internal/rundir"
)

// awsTestEnv points the AWS chain at the simulator's credentials in the
// environment only: no ~/.aws, no instance metadata.
func awsTestEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", sim.DefaultAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", sim.DefaultSecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// forcedScenario forces n cold starts of the simulator's Go function at
// endpoint, then sends a little traffic.
func forcedScenario(t *testing.T, endpoint string, n int, extra string) string {
	return writeScenario(t, `name: forced
seed: 1
interval: 200ms
cold_start:
  force: {count: `+itoa(n)+`}
targets:
  - {name: lambda, kind: aws-lambda, function: hello, endpoint: `+endpoint+`}
traffic:
  phases: [{shape: constant, rate: 20/s, duration: `+extra+`}]
`)
}

func itoa(n int) string { return strconv.Itoa(n) }

// configOf reads the function's variables and memory from the simulator.
func configOf(t *testing.T, s *sim.Sim) lambdactl.Original {
	t.Helper()
	e, err := s.ResolveEndpoint("sim://aws-go-hello/hello/lambda-invoke")
	if err != nil {
		t.Fatal(err)
	}
	c := lambdactl.New(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(sim.DefaultAccessKeyID, sim.DefaultSecretAccessKey, "")}, e.BaseEndpoint)
	o, err := c.Snapshot(context.Background(), "hello")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// A forced-cold run of N=20 yields 20 cold samples, each tagged by its
// REPORT line, in a phase of its own before the traffic, and puts the
// function's configuration back. This is the CLI's wiring; interrupts,
// sweeps and failures are attack/campaign's tests.
func TestForcedColdStarts(t *testing.T) {
	awsTestEnv(t)
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"aws-go-hello"}, TimeScale: 0.01, KeepTruth: true})
	before := configOf(t, s)
	e, _ := s.ResolveEndpoint("sim://aws-go-hello/hello/lambda-invoke")
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errs := cli("run", forcedScenario(t, e.BaseEndpoint, 20, "500ms"), "--out", dir, "--progress", "none")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Info.Forced) != 1 || run.Info.Forced[0].Cold != 20 || run.ForcedPhase == nil || run.ForcedPhase.Name != rundir.ForcedPhase {
		t.Fatalf("forced %+v, forced phase %+v", run.Info.Forced, run.ForcedPhase)
	}
	// The forced samples are a phase of their own, apart from the traffic:
	// not among the phases, the total, the timeline or the cost.
	ts := analyze.Summarize(run).Tables[0]
	for _, row := range ts.Phases {
		if row.Phase == rundir.ForcedPhase {
			t.Errorf("the forced phase is among the traffic's phases: %+v", row.Phase)
		}
	}
	var traffic int64
	for _, row := range ts.Phases {
		traffic += row.Sent
	}
	if ts.Total.Sent != traffic || ts.Cost.Bill == nil || ts.Cost.Bill.Requests.Float64() != float64(traffic) {
		t.Errorf("total %d sent, cost of %v requests; the traffic's phases sent %d", ts.Total.Sent, ts.Cost.Bill, traffic)
	}
	f := ts.Forced
	if f == nil || f.Cold != 20 || f.Wanted != 20 || f.Attempts != 20+f.Warm+f.Errors || f.Restored == nil || !*f.Restored ||
		f.Latency == nil || f.InitDuration == nil || f.InitDuration.Count != 20 || f.Penalty == nil {
		t.Fatalf("forced summary %+v", f)
	}
	if f.Latency.Count != 20 {
		t.Errorf("forced latency over %d samples, want the 20 cold", f.Latency.Count)
	}
	for _, format := range []string{"text", "md", "html", "json"} {
		_, rep, _ := cli("report", dir, "--format", format)
		want := "forced cold starts: 20 of 20 wanted"
		switch format {
		case "html":
			want = "20 of 20 wanted"
		case "json":
			want = `"forced": {`
		}
		if !strings.Contains(rep, want) || (format != "json" && !strings.Contains(rep, "restored")) {
			t.Errorf("%s report lacks the forced cold starts (%q)", format, want)
		}
	}
	truthCold := 0
	for _, inv := range s.Truth() {
		if inv.Cold {
			truthCold++
		}
	}
	if truthCold < 20 {
		t.Errorf("the simulator saw %d cold starts, want at least the 20 forced", truthCold)
	}
	if after := configOf(t, s); !sameConfig(before, after) {
		t.Errorf("configuration not restored: before %+v, after %+v", before, after)
	}
	if !strings.Contains(errs, "restored the configuration of hello") {
		t.Errorf("stderr does not report the restore:\n%s", errs)
	}
	meta := run.Info.Targets[0].Meta
	if meta == nil || meta.Source != rundir.MetaFromPlatform || meta.MemoryMB != 128 || meta.Runtime == "" {
		t.Errorf("run.json function metadata %+v, want what GetFunctionConfiguration said", meta)
	}
}

func sameConfig(a, b lambdactl.Original) bool {
	if a.MemoryMB != b.MemoryMB || len(a.Environment) != len(b.Environment) {
		return false
	}
	for k, v := range a.Environment {
		if b.Environment[k] != v {
			return false
		}
	}
	return true
}

// AWS credentials from the chain (secret key and session token) never reach
// the run directory, stdout or stderr: not when they sign requests that
// pass, nor when a wrong one is refused (in the invocations and in the
// control-plane call that reads the function's configuration).
func TestAWSSecretsNeverReachOutputs(t *testing.T) {
	const secret, token, wrong = "SENTINEL-aws-secret-41c9", "SENTINEL-aws-token-8d2e", "SENTINEL-aws-wrong-77b0"
	iam, _ := filepath.Abs("../../attack/testdata/sim/iam.yaml")
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"aws-go-hello"}, ProfileFiles: []string{iam}, TimeScale: 0.01,
		Credentials: sim.Credentials{AccessKeyID: sim.DefaultAccessKeyID, SecretAccessKey: secret}})
	invoke, _ := s.ResolveEndpoint("sim://aws-go-hello/hello/lambda-invoke")
	fnURL, _ := s.Resolve("sim://iam/hello/lambda-url")
	scen := writeScenario(t, `name: awssecret
seed: 1
interval: 200ms
targets:
  - {name: invoke, kind: aws-lambda, function: hello, endpoint: `+invoke.BaseEndpoint+`}
  - {name: url, url: `+fnURL+`, auth: {type: aws-sigv4, service: lambda}}
traffic: {phases: [{shape: constant, rate: 20/s, duration: 300ms}]}
`)
	for _, c := range []struct {
		secret string
		code   int
	}{{secret, 1}, {wrong, 1}} { // the url target's requests are refused (neither is the simulator's secret): the built-in checks fail
		awsTestEnv(t)
		t.Setenv("AWS_SECRET_ACCESS_KEY", c.secret)
		t.Setenv("AWS_SESSION_TOKEN", token)
		dir := filepath.Join(t.TempDir(), "run")
		code, out, errs := cli("run", scen, "--out", dir, "--progress", "plain")
		if code != c.code {
			t.Fatalf("secret %s: exit %d, want %d\n%s\n%s", c.secret, code, c.code, out, errs)
		}
		for _, sentinel := range []string{secret, token, wrong} {
			for where, text := range map[string]string{"stdout": out, "stderr": errs} {
				if strings.Contains(text, sentinel) {
					t.Errorf("%s reached %s:\n%s", sentinel, where, text)
				}
			}
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(sentinel)) {
						t.Errorf("%s reached %s", sentinel, p)
					}
				}
				return nil
			})
		}
		if c.secret == wrong {
			// The run measured the refusals: http_error, with the reason.
			ev, _ := os.ReadFile(filepath.Join(dir, rundir.EventsFile))
			if !strings.Contains(string(ev), "http_error") || !strings.Contains(string(ev), "InvalidSignatureException") {
				t.Errorf("a wrong secret should show http_error with its reason:\n%s", ev)
			}
		}
	}
}

// A run that changes a function records what it found first
// (original-config.json); after a kill, the next run warns of the nonce left
// on the function and `fnbench restore` puts the function back (issue 13,
// durability).
func TestRestoreAfterAKilledForcedRun(t *testing.T) {
	awsTestEnv(t)
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"aws-go-hello"}, TimeScale: 0.01})
	before := configOf(t, s)
	e, _ := s.ResolveEndpoint("sim://aws-go-hello/hello/lambda-invoke")
	dir := filepath.Join(t.TempDir(), "run")
	if code, out, errs := cli("run", forcedScenario(t, e.BaseEndpoint, 2, "200ms"), "--out", dir, "--progress", "none"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	rec, err := rundir.ReadOriginals(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Restored || len(rec.Targets) != 1 || rec.Targets[0].MemoryMB != before.MemoryMB || rec.Targets[0].Nonce != nil || rec.Targets[0].Endpoint != e.BaseEndpoint {
		t.Fatalf("original-config.json %+v", rec)
	}
	// What a SIGKILL in the middle of forcing leaves: the nonce and a
	// sweep's memory on the function, and a record not marked restored.
	c := lambdactl.New(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(sim.DefaultAccessKeyID, sim.DefaultSecretAccessKey, "")}, e.BaseEndpoint)
	ctx := context.Background()
	if err := c.ForceCold(ctx, "hello", "killed-run-7"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetMemory(ctx, "hello", 512); err != nil {
		t.Fatal(err)
	}
	rec.Restored = false
	if err := rundir.WriteOriginals(dir, rec); err != nil {
		t.Fatal(err)
	}

	plain := writeScenario(t, "name: plain\nseed: 1\ntargets: [{name: lambda, kind: aws-lambda, function: hello, endpoint: "+e.BaseEndpoint+"}]\ntraffic: {phases: [{shape: constant, rate: 10/s, duration: 200ms}]}\n")
	_, _, errs := cli("run", plain, "--out", filepath.Join(t.TempDir(), "plain"), "--progress", "none")
	if !strings.Contains(errs, "function hello carries FNBENCH_COLD_NONCE, left by a run that was killed") {
		t.Errorf("the next run does not warn of the leftover nonce:\n%s", errs)
	}

	code, out, errs := cli("restore", dir)
	if code != 0 || !strings.Contains(out, "restored hello: memory 128 MB, FNBENCH_COLD_NONCE removed") {
		t.Fatalf("restore: exit %d\n%s\n%s", code, out, errs)
	}
	if after := configOf(t, s); !sameConfig(before, after) {
		t.Errorf("not restored: before %+v, after %+v", before, after)
	}
	if rec, _ := rundir.ReadOriginals(dir); !rec.Restored {
		t.Error("original-config.json is not marked restored")
	}
	if code, _, errs := cli("restore", dir); code != 0 {
		t.Errorf("a second restore: exit %d\n%s", code, errs)
	}
	if code, _, errs := cli("restore", t.TempDir()); code != 2 || !strings.Contains(errs, "nothing to restore") {
		t.Errorf("restore of a run that changed nothing: exit %d\n%s", code, errs)
	}
}
