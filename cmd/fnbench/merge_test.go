package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// runShard runs a small scenario as one shard of a sharded run.
func runShard(t *testing.T, url string, shard rundir.ShardInfo) string {
	t.Helper()
	plan, err := scenarios.Parse("shard.yaml", []byte(`
name: shard
seed: 1
interval: 250ms
targets: [{name: a, url: `+url+`}]
traffic:
  phases: [{shape: constant, rate: 100/s, duration: 500ms}]
`), scenarios.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	targets, err := attack.TargetsFromPlan(context.Background(), plan, attack.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer attack.CloseTargets(targets)
	dir := filepath.Join(t.TempDir(), "shard")
	if _, err := attack.Run(context.Background(), attack.Options{Plan: plan, Targets: targets, OutDir: dir, Shard: shard}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Two shards run by the engine, each sending every other arrival of the
// schedule, merge into one run that holds every arrival once; a shard given
// twice is refused with exit 2.
func TestMergeCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	a := runShard(t, srv.URL, rundir.ShardInfo{Index: 0, Count: 2})
	b := runShard(t, srv.URL, rundir.ShardInfo{Index: 1, Count: 2})
	out := filepath.Join(t.TempDir(), "merged")
	code, stdout, errs := cli("merge", a, b, "-o", out)
	if code != 0 || !strings.Contains(stdout, "merged 2 shards") {
		t.Fatalf("exit %d\n%s%s", code, stdout, errs)
	}
	run, err := analyze.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if total := analyze.Summarize(run).Tables[0].Total; total.Offered != 50 || total.Sent != 50 || total.Warm != 50 {
		t.Errorf("merged run offered %d, sent %d, %d warm; want the schedule's 50 of each", total.Offered, total.Sent, total.Warm)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", a, a, "-o", filepath.Join(t.TempDir(), "m")}, "are both shard 1 of 2"},
		{[]string{"merge", a, b}, "--output (-o) is required"},
		{[]string{"merge", a, b, "-o", out}, "already holds a run"},
	} {
		code, _, errs := cli(c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errs)
		}
	}
}

// Shards of different seeds or agreed starts are not shards of one run:
// merge names what differs.
func TestMergeRefusesShardsOfDifferentSeedsOrStarts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	a := runShard(t, srv.URL, rundir.ShardInfo{Index: 0, Count: 2})
	b := runShard(t, srv.URL, rundir.ShardInfo{Index: 1, Count: 2})
	edit := func(f func(*rundir.RunInfo)) {
		info, err := rundir.ReadInfo(b)
		if err != nil {
			t.Fatal(err)
		}
		f(info)
		if err := rundir.WriteInfo(b, info); err != nil {
			t.Fatal(err)
		}
	}
	edit(func(i *rundir.RunInfo) { i.Seed++ })
	if code, _, errs := cli("merge", a, b, "-o", filepath.Join(t.TempDir(), "m")); code != 2 || !strings.Contains(errs, "their seeds differ") {
		t.Errorf("seeds: exit %d, %s", code, errs)
	}
	edit(func(i *rundir.RunInfo) {
		i.Seed--
		i.Clock = &rundir.ClockInfo{StartAt: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), OffsetSource: "ntp"}
	})
	if code, _, errs := cli("merge", a, b, "-o", filepath.Join(t.TempDir(), "m")); code != 2 || !strings.Contains(errs, "their agreed starts (--start-at) differ (none vs 2026-12-06T10:00:00Z)") {
		t.Errorf("starts: exit %d, %s", code, errs)
	}
}

// --start-at starts the schedule's clock on the agreed instant, which
// run.json records with the start error: 0 for a shard ready in time, and
// how late for one that was not.
func TestStartAtStartsOnTheAgreedInstant(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	scen := writeScenario(t, `
name: at
targets: [{name: a, url: `+srv.URL+`}]
traffic:
  phases: [{shape: constant, rate: 20/s, duration: 300ms}]
`)
	for _, c := range []struct {
		at   time.Time
		late bool
	}{{time.Now().Add(700 * time.Millisecond), false}, {time.Now().Add(-2 * time.Second), true}} {
		dir := filepath.Join(t.TempDir(), "run")
		if code, out, errs := cli("run", scen, "--start-at", c.at.Format(time.RFC3339Nano), "--out", dir, "--progress", "none"); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		info, err := rundir.ReadInfo(dir)
		if err != nil {
			t.Fatal(err)
		}
		ck := info.Clock
		switch {
		case ck == nil || !ck.StartAt.Equal(c.at):
			t.Errorf("clock %+v, want start_at %v", ck, c.at)
		case !c.late && (ck.StartErrorNs != 0 || !info.StartTime.Equal(c.at)):
			t.Errorf("in time: start error %v, time zero %v; want 0 and the agreed instant", time.Duration(ck.StartErrorNs), info.StartTime)
		case c.late && time.Duration(ck.StartErrorNs) < 2*time.Second:
			t.Errorf("late: start error %v, want at least 2s", time.Duration(ck.StartErrorNs))
		}
	}
	if code, _, errs := cli("run", scen, "--start-at", "tomorrow"); code != 2 || !strings.Contains(errs, "want an RFC 3339 instant") {
		t.Errorf("bad --start-at: exit %d, %s", code, errs)
	}
}
