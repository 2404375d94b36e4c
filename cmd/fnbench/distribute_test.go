package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/kube"
	"github.com/fnbench/fnbench/internal/kube/kubefake"
	"github.com/fnbench/fnbench/internal/objstore/objstoretest"
	"github.com/fnbench/fnbench/internal/rundir"
)

// distScenario is a short seeded Poisson scenario against url: 600
// requests over 3 s, 6 intervals.
func distScenario(t *testing.T, url string) string {
	return writeScenario(t, `
name: dist
seed: 7
interval: 500ms
targets: [{name: fn, url: `+url+`}]
traffic:
  arrivals: poisson
  phases: [{name: steady, shape: constant, rate: 200/s, duration: 3s}]
`)
}

// lambdaURL is a fresh simulator's function URL of a Lambda function that
// takes about 50 ms (the path users take), with Lambda's cold starts and
// scale-out, on loopback. At 50 ms the client's own sub-millisecond costs,
// which four processes on a small machine raise a little, stay inside the
// percentiles' confidence intervals.
func lambdaURL(t *testing.T) string {
	t.Helper()
	profile := filepath.Join(t.TempDir(), "fifty.yaml")
	if err := os.WriteFile(profile, []byte(`
name: fifty
description: a 50 ms function on Lambda
provider: aws-lambda
region: us-east-1
account_concurrency: 1000
functions:
  - name: fn
    runtime: provided.al2023
    memory_mb: 512
    memory_used_mb: 30
    init: {dist: lognormal, median_ms: 120, p90_ms: 180, max_ms: 10000}
    duration: {dist: lognormal, median_ms: 50, p90_ms: 70}
    keep_alive: 600000
    endpoints:
      - kind: lambda-url
        auth: none
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, e := range simtest.StartConfig(t, sim.Config{ProfileFiles: []string{profile}}).Endpoints() {
		if e.Profile == "fifty" && e.Kind == "lambda-url" {
			return e.URL
		}
	}
	t.Fatal("the simulator has no function URL")
	return ""
}

// childrenAreFnbench makes the processes fnbench distribute starts (this
// test binary, os.Executable) act as the fnbench command (TestMain).
func childrenAreFnbench(t *testing.T) { t.Setenv("FNBENCH_TEST_AS_CLI", "1") }

// latencyCIsOverlap fails the test when a percentile's 95% intervals of
// two runs do not overlap.
func latencyCIsOverlap(t *testing.T, what string, a, b analyze.CI) {
	t.Helper()
	if a.High < b.Low || b.High < a.Low {
		t.Errorf("%s: 95%% intervals %s–%s and %s–%s do not overlap", what, a.Low, a.High, b.Low, b.High)
	}
}

// Four local shards of a run, on one timeline, merge into the run one
// process makes of the same scenario and seed: the same requests in the
// same intervals, percentiles within each other's confidence intervals,
// and the start skew reported with the shard table.
func TestDistributeLocalMatchesSingleRun(t *testing.T) {
	childrenAreFnbench(t)
	single := filepath.Join(t.TempDir(), "single")
	if code, out, errs := cli("run", distScenario(t, lambdaURL(t)), "--out", single, "--progress", "none", "--no-default-checks"); code != 0 {
		t.Fatalf("single run: exit %d\n%s%s", code, out, errs)
	}
	merged := filepath.Join(t.TempDir(), "merged")
	code, out, errs := cli("distribute", distScenario(t, lambdaURL(t)), "--shards", "4", "--executor", "local",
		"--start-delay", "1s", "--out", merged, "--no-default-checks")
	if code != 0 {
		t.Fatalf("distribute: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"shards (merged from 4)", "1/4", "4/4", "Largest start skew between shards: ", "(one machine's clock)"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	a, b := loadSummary(t, single), loadSummary(t, merged)
	ta, tb := a.Tables[0].Total, b.Tables[0].Total
	if ta.Offered != tb.Offered || ta.Sent != tb.Sent || ta.Completed != tb.Completed {
		t.Errorf("single run offered %d, sent %d, completed %d; merged %d, %d, %d", ta.Offered, ta.Sent, ta.Completed, tb.Offered, tb.Sent, tb.Completed)
	}
	ia, ib := a.Run.Targets[0].Intervals, b.Run.Targets[0].Intervals
	if len(ia) != len(ib) {
		t.Fatalf("single run has %d intervals, merged %d", len(ia), len(ib))
	}
	for i := range ia {
		if ia[i].StartNanos != ib[i].StartNanos || ia[i].Offered != ib[i].Offered {
			t.Errorf("interval %d: single %d offered at %v, merged %d at %v", i, ia[i].Offered, time.Duration(ia[i].StartNanos), ib[i].Offered, time.Duration(ib[i].StartNanos))
		}
	}
	la, lb := ta.Latency.OK, tb.Latency.OK
	latencyCIsOverlap(t, "p50", la.P50.CI95, lb.P50.CI95)
	latencyCIsOverlap(t, "p90", la.P90.CI95, lb.P90.CI95)
	mi := b.Run.Merge
	if mi == nil || len(mi.Shards) != 4 || mi.SkewBasis != "same-host" {
		t.Fatalf("merge.json: %+v", mi)
	}
	for _, s := range mi.Shards {
		if s.Clock == nil || !s.Clock.StartAt.Equal(mi.Shards[0].Clock.StartAt) || s.Partial || s.Sent == 0 {
			t.Errorf("shard %d: %+v", s.Index+1, s)
		}
	}
}

func loadSummary(t *testing.T, dir string) *analyze.Summary {
	t.Helper()
	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return analyze.Summarize(run)
}

// The whole flow through Azure Blob Storage (Azurite), as on Kubernetes:
// four local shards stream their run directories to the container, and the
// merge pulls them back. The storage key reaches no file of the result.
func TestDistributeLocalThroughAzurite(t *testing.T) {
	_, conn := objstoretest.Azurite(t, "runs")
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", conn)
	childrenAreFnbench(t)
	out := filepath.Join(t.TempDir(), "merged")
	code, stdout, errs := cli("distribute", distScenario(t, lambdaURL(t)), "--shards", "4", "--executor", "local",
		"--start-delay", "1s", "--upload", "azblob://"+objstoretest.AzuriteAccount+"/runs/ci", "--run-id", "azurite-4", "--out", out,
		"--no-default-checks")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, errs)
	}
	if !strings.Contains(stdout, "shards (merged from 4)") {
		t.Errorf("no shard table:\n%s", stdout)
	}
	s := loadSummary(t, out)
	if total := s.Tables[0].Total; total.Sent != total.Offered || total.Sent < 500 || s.Run.Status != rundir.StatusComplete {
		t.Errorf("merged run sent %d of %d offered (the schedule's), status %s", total.Sent, total.Offered, s.Run.Status)
	}
	for i := 1; i <= 4; i++ {
		info, err := rundir.ReadInfo(filepath.Join(out, "shards", shardDir(rundir.ShardInfo{Index: i - 1, Count: 4})))
		if err != nil {
			t.Fatal(err)
		}
		if want := "azblob://devstoreaccount1/runs/ci/azurite-4/shard-" + string(rune('0'+i)) + "-of-4"; info.Upload != want {
			t.Errorf("shard %d's run.json upload = %q, want %q", i, info.Upload, want)
		}
	}
	assertNoSecret(t, out, objstoretest.AzuriteKey)
	if strings.Contains(stdout+errs, objstoretest.AzuriteKey) {
		t.Error("the storage key reached the output")
	}
}

// assertNoSecret fails when secret is in any file under dir.
func assertNoSecret(t *testing.T, dir, secret string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, _ := os.ReadFile(path); strings.Contains(string(b), secret) {
			t.Errorf("%s holds the secret", path)
		}
		return nil
	})
}

// A shard killed mid-run (a pod lost) has uploaded all but its last
// interval: fnbench merge of the upload proceeds, the shard marked partial
// in the shard table, and the report says so.
func TestKilledShardMergesPartialFromS3(t *testing.T) {
	objstoretest.FakeS3(t, "bucket")
	url := lambdaURL(t)
	scen := writeScenario(t, `
name: killed
seed: 3
interval: 250ms
targets: [{name: fn, url: `+url+`}]
traffic:
  phases: [{shape: constant, rate: 100/s, duration: 5s}]
`)
	startAt := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
	var dirs [2]string
	var cmds [2]interface{ Wait() error }
	var kill func() error
	for i := range dirs {
		dirs[i] = filepath.Join(t.TempDir(), "shard")
		cmd, _ := startCLI(t, "run", scen, "--shard", []string{"1/2", "2/2"}[i], "--start-at", startAt, "--run-id", "killed-1",
			"--upload", "s3://bucket/runs", "--out", dirs[i], "--progress", "none", "--no-default-checks")
		cmds[i] = cmd
		if i == 1 {
			kill = func() error { return cmd.Process.Signal(syscall.SIGKILL) }
		}
	}
	// Kill shard 2 once it has recorded two seconds' worth; the uploader
	// syncs every second, so most of that is in the bucket.
	waitFor(t, 20*time.Second, "shard 2 to send 200 requests", func() bool { return sentSoFar(dirs[1]) >= 200 })
	if err := kill(); err != nil {
		t.Fatal(err)
	}
	cmds[1].Wait()
	if err := cmds[0].Wait(); err != nil {
		t.Fatalf("shard 1: %v", err)
	}
	out := filepath.Join(t.TempDir(), "merged")
	code, stdout, errs := cli("merge", "s3://bucket/runs/killed-1", "-o", out)
	if code != 0 {
		t.Fatalf("merge: exit %d\n%s%s", code, stdout, errs)
	}
	for _, want := range []string{"shard-2-of-2 has no completion mark", "shard 2 of 2 (", "is partial (killed before it finished)"} {
		if !strings.Contains(errs, want) {
			t.Errorf("merge's stderr lacks %q:\n%s", want, errs)
		}
	}
	s := loadSummary(t, out)
	mi := s.Run.Merge
	if mi == nil || len(mi.Shards) != 2 || mi.Shards[0].Partial || !mi.Shards[1].Partial {
		t.Fatalf("merge.json: %+v", mi)
	}
	if sent := s.Tables[0].Total.Sent; mi.Shards[0].Sent != 250 || mi.Shards[1].Sent < 100 || sent != mi.Shards[0].Sent+mi.Shards[1].Sent || sent >= 500 {
		t.Errorf("merged %d sent: shard 1 %d (want all 250), shard 2 %d (want part of 250)", sent, mi.Shards[0].Sent, mi.Shards[1].Sent)
	}
	code, rep, _ := cli("report", out)
	if code != 0 || !strings.Contains(rep, "PARTIAL") || !strings.Contains(rep, "is partial (killed before it finished)") {
		t.Errorf("report exit %d:\n%s", code, rep)
	}
}

// --dry-run prints the ConfigMap and the Indexed Job, wired for N shards,
// and submits nothing; what cannot run is refused with exit 2.
func TestDistributeDryRunAndUsage(t *testing.T) {
	scen := distScenario(t, "https://example.com/fn")
	code, out, errs := cli("distribute", scen, "--shards", "3", "--image", "registry.example.com/fnbench:v1",
		"--upload", "s3://bucket/runs", "--namespace", "load", "--run-id", "dry-1", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, want := range []string{"kind: ConfigMap", "kind: Job", "completionMode: Indexed", "parallelism: 3", "completions: 3",
		"$(JOB_COMPLETION_INDEX)/3", "--shard-base", "--start-at", "s3://bucket/runs", "name: fnbench-dry-1", "namespace: load",
		"rate: 200/s", "podAntiAffinity"} {
		if !strings.Contains(out, want) {
			t.Errorf("manifest lacks %q:\n%s", want, out)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--shards", "1", "--executor", "local"}, "--shards 1: want 2 or more"},
		{[]string{"--shards", "2"}, "--executor kubernetes needs --image"},
		{[]string{"--shards", "2", "--executor", "ssh"}, `--executor "ssh": want kubernetes or local`},
		{[]string{"--shards", "2", "--executor", "local", "--upload", "ftp://x"}, "--upload"},
		{[]string{"--shards", "2", "--executor", "local", "--dry-run"}, "--dry-run prints a Kubernetes manifest"},
		{[]string{"--shards", "2", "--executor", "local", "--run-id", "Bad_ID"}, `--run-id "Bad_ID"`},
	} {
		code, _, errs := cli(append([]string{"distribute", scen}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// Ctrl-C while the Job runs deletes the Job, with its pods, and its
// ConfigMap, then merges what the shards uploaded (here: nothing yet,
// which is said).
func TestDistributeKubernetesCleansUpOnInterrupt(t *testing.T) {
	objstoretest.FakeS3(t, "bucket")
	cs := kubefake.New()
	kubeClient = func(string, string) (kube.API, string, error) { return cs, "load", nil }
	t.Cleanup(func() { kubeClient = kube.Client })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var stdout, stderr strings.Builder
	go func() {
		done <- distribute(ctx, distScenario(t, "https://example.com/fn"), distributeFlags{shards: 3, executor: executorKubernetes,
			image: "registry.example.com/fnbench:v1", upload: "s3://bucket/runs", runID: "ctrl-c", out: filepath.Join(t.TempDir(), "m"),
			cpu: "1", memory: "512Mi", spread: kube.SpreadPreferred}, &stdout, &stderr)
	}()
	waitFor(t, 10*time.Second, "the Job to be submitted", func() bool {
		_, err := cs.BatchV1().Jobs("load").Get(context.Background(), "fnbench-ctrl-c", metav1.GetOptions{})
		return err == nil
	})
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("distribute did not return after the interrupt")
	}
	if err == nil || !strings.Contains(err.Error(), "holds no shards") {
		t.Errorf("err = %v, want the merge to say nothing was uploaded", err)
	}
	if !strings.Contains(stderr.String(), "interrupted: deleted Job load/fnbench-ctrl-c") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if jobs, _ := cs.BatchV1().Jobs("load").List(context.Background(), metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Errorf("%d Jobs left", len(jobs.Items))
	}
	if cms, _ := cs.CoreV1().ConfigMaps("load").List(context.Background(), metav1.ListOptions{}); len(cms.Items) != 0 {
		t.Errorf("%d ConfigMaps left", len(cms.Items))
	}
	var background bool
	for _, a := range cs.Actions() {
		if a.GetVerb() == "delete" && a.GetResource().Resource == "jobs" {
			b, _ := json.Marshal(a)
			background = strings.Contains(string(b), "Background")
		}
	}
	if !background {
		t.Error("the Job was not deleted with Background propagation (its pods would be orphaned)")
	}
}

// A scenario holding a literal secret is not put in a ConfigMap: it is
// refused, saying how to pass the secret instead, and the secret is in
// no output.
func TestDistributeRefusesLiteralSecretsOnKubernetes(t *testing.T) {
	const sentinel = "SENTINEL-key-4b1d"
	scen := writeScenario(t, `
name: secret
targets: [{name: fn, url: "https://example.com/api/fn?code=`+sentinel+`"}]
traffic:
  phases: [{shape: constant, rate: 10/s, duration: 1s}]
`)
	code, out, errs := cli("distribute", scen, "--shards", "2", "--image", "registry.example.com/fnbench:v1", "--upload", "s3://bucket/p", "--dry-run")
	if code != 2 || !strings.Contains(errs, "--env-from-secret") || strings.Contains(out+errs, sentinel) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// The files a scenario reads go into the ConfigMap with it, at the same
// paths; one outside the scenario's directory, or one holding a secret,
// is refused with its file:line:col.
func TestDistributeShipsTheFilesTheScenarioReads(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "bodies"), 0o755)
	os.WriteFile(filepath.Join(dir, "bodies", "order.json"), []byte(`{"sku":"a-1"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "key.txt"), []byte("SENTINEL-file-key\n"), 0o644)
	scen := filepath.Join(dir, "s.yaml")
	write := func(extra string) {
		os.WriteFile(scen, []byte(`name: files
targets: [{name: fn, url: "https://example.com/fn", method: POST, body_file: bodies/order.json`+extra+`}]
traffic:
  phases: [{shape: constant, rate: 10/s, duration: 1s}]
`), 0o644)
	}
	args := []string{"distribute", scen, "--shards", "2", "--image", "registry.example.com/fnbench:v1", "--upload", "s3://bucket/p", "--dry-run"}
	write("")
	code, out, errs := cli(args...)
	if code != 0 || !strings.Contains(out, `file-1: '{"sku":"a-1"}'`) || !strings.Contains(out, "path: bodies/order.json") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	write(", auth: {type: header, name: X-Key, value_file: key.txt}")
	code, out, errs = cli(args...)
	if code != 2 || !strings.Contains(errs, "s.yaml:2:") || !strings.Contains(errs, "value_file key.txt holds a secret") || strings.Contains(out+errs, "SENTINEL") {
		t.Errorf("value_file: exit %d\n%s%s", code, out, errs)
	}
	outside := filepath.Join(t.TempDir(), "body.json")
	os.WriteFile(outside, []byte("{}"), 0o644)
	os.WriteFile(scen, []byte(`name: files
targets: [{name: fn, url: "https://example.com/fn", method: POST, body_file: `+outside+`}]
traffic:
  phases: [{shape: constant, rate: 10/s, duration: 1s}]
`), 0o644)
	code, _, errs = cli(args...)
	if code != 2 || !strings.Contains(errs, "is outside the scenario's directory") {
		t.Errorf("outside: exit %d\n%s", code, errs)
	}
}
