package analyze_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// TestMain lets this test binary double as the child process that the
// SIGKILL test kills mid-run.
func TestMain(m *testing.M) {
	if dir := os.Getenv("FNBENCH_KILL_CHILD_DIR"); dir != "" {
		killChild(dir, os.Getenv("FNBENCH_KILL_CHILD_URL"))
		return
	}
	os.Exit(m.Run())
}

func killChild(dir, url string) {
	src := `
name: kill
seed: 1
interval: 100ms
targets: [{name: a, url: ` + url + `}, {name: b, url: ` + url + `}]
traffic:
  phases: [{shape: constant, rate: 200/s, duration: 60s}]
`
	if os.Getenv("FNBENCH_KILL_CHILD_HANG") != "" {
		// Against a server that never answers: every request waits out
		// its 8 s timeout, so no interval is complete before the kill.
		src = `
name: kill
seed: 1
interval: 200ms
targets: [{name: a, url: ` + url + `, timeout: 8s}]
traffic:
  phases: [{shape: constant, rate: 100/s, duration: 60s}]
`
	}
	plan, err := scenarios.Parse("kill.yaml", []byte(src), scenarios.LoadOptions{})
	if err != nil {
		panic(err)
	}
	targets, err := attack.TargetsFromPlan(context.Background(), plan, attack.Env{})
	if err != nil {
		panic(err)
	}
	attack.Run(context.Background(), attack.Options{Plan: plan, Targets: targets, OutDir: dir})
}

// A run killed with SIGKILL still loads: everything up to its last whole
// interval, with histograms and counters that agree.
func TestKilledRunLoads(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FNBENCH_KILL_CHILD_DIR="+dir, "FNBENCH_KILL_CHILD_URL="+srv.URL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has written a few intervals.
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, rundir.IntervalsFile))
		if strings.Count(string(b), "\n") >= 10 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child wrote no intervals")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(137 * time.Millisecond) // land somewhere inside an interval
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Killed || run.Status != rundir.StatusInterrupted {
		t.Errorf("killed %v, status %s; want a killed, interrupted run", run.Killed, run.Status)
	}
	for _, tr := range run.Targets {
		if len(tr.Intervals) < 5 {
			t.Errorf("target %s: %d intervals loaded", tr.Info.Name, len(tr.Intervals))
		}
		var counted int64
		for _, iv := range tr.Intervals {
			counted += iv.Warm
			if iv.Offered != 20 || iv.Warm != 20 {
				t.Errorf("target %s interval %d: offered %d warm %d, want 20", tr.Info.Name, iv.Seq, iv.Offered, iv.Warm)
			}
		}
		// The latency log may hold one interval more than the counters
		// (it is written first), never fewer.
		h := tr.Phases[0].Latency(rundir.OutcomeWarm).TotalCount()
		if h < counted || h > counted+20 {
			t.Errorf("target %s: histograms hold %d requests, counters %d", tr.Info.Name, h, counted)
		}
	}
	sum := analyze.Summarize(run)
	if sum.Tables[0].Total.Sent == 0 {
		t.Error("summary of the killed run is empty")
	}
}

// A run killed while half its requests still wait for their timeout loses
// at most the interval under way (issue 13, fault 2): the intervals that
// had ended come back from the pending file, with their offered and sent
// requests and the half that had completed, latencies included.
func TestKilledRunKeepsIntervalsAwaitingRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	release := make(chan struct{})
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			w.Write([]byte("ok"))
			return
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FNBENCH_KILL_CHILD_DIR="+dir, "FNBENCH_KILL_CHILD_URL="+srv.URL, "FNBENCH_KILL_CHILD_HANG=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once its checkpoint holds a few intervals.
	deadline := time.Now().Add(30 * time.Second)
	for {
		pending, _ := rundir.ReadPending(dir)
		if len(pending[rundir.IntervalsFile]) >= 5 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child wrote no pending intervals")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	written, _ := os.ReadFile(filepath.Join(dir, rundir.IntervalsFile))
	if len(written) != 0 {
		t.Fatalf("intervals.jsonl holds lines, but no interval could be complete:\n%s", written)
	}

	run, err := analyze.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr := run.Targets[0]
	if len(tr.Intervals) < 5 {
		t.Fatalf("%d intervals loaded, want the 5 or more the checkpoint held", len(tr.Intervals))
	}
	var warm int64
	for k, iv := range tr.Intervals {
		if iv.Seq != k || iv.Offered != 20 || iv.Sent != 20 || iv.Completed < 5 || iv.Completed > 15 || iv.Warm != iv.Completed {
			t.Errorf("interval %d: seq %d, offered %d, sent %d, completed %d, warm %d; want seq %d, 20 offered and sent, about half completed", k, iv.Seq, iv.Offered, iv.Sent, iv.Completed, iv.Warm, k)
		}
		if iv.P50 <= 0 {
			t.Errorf("interval %d: no latency percentiles", k)
		}
		warm += iv.Warm
	}
	if h := tr.Phases[0].Latency(rundir.OutcomeWarm).TotalCount(); h != warm {
		t.Errorf("latency histograms hold %d requests, the pending intervals' counters %d", h, warm)
	}
	found := false
	for _, w := range run.Warnings {
		found = found || strings.Contains(w, "came from pending.log")
	}
	if !found {
		t.Errorf("no warning about the pending intervals: %q", run.Warnings)
	}
	if sum := analyze.Summarize(run); sum.Tables[0].Total.Sent < 100 {
		t.Errorf("summary: sent %d, want the pending intervals' 100 or more", sum.Tables[0].Total.Sent)
	}
}
