package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

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
