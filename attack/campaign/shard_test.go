package campaign

import (
	"strings"
	"testing"

	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// --shard i/n is one-based and written exactly so; no value is the whole
// run.
func TestShardIsOneBasedIOfN(t *testing.T) {
	plan := lambdaScenario(t, "", "10/s", "1s")
	for _, tc := range []struct {
		in   string
		want rundir.ShardInfo
		bad  bool
	}{
		{in: "", want: rundir.ShardInfo{Index: 0, Count: 1}},
		{in: "1/1", want: rundir.ShardInfo{Index: 0, Count: 1}},
		{in: "2/4", want: rundir.ShardInfo{Index: 1, Count: 4}},
		{in: "4/4", want: rundir.ShardInfo{Index: 3, Count: 4}},
		{in: "0/4", bad: true},
		{in: "5/4", bad: true},
		{in: "1/0", bad: true},
		{in: "02/4", bad: true},
		{in: "2/4x", bad: true},
		{in: "2", bad: true},
		{in: "-1/4", bad: true},
	} {
		got, err := ParseShard(tc.in, 1, plan)
		switch {
		case tc.bad && (err == nil || !strings.Contains(err.Error(), "want i/n with 1 <= i <= n, for example --shard 2/4")):
			t.Errorf("%q: %+v, %v; want the i/n error", tc.in, got, err)
		case !tc.bad && (err != nil || got != tc.want):
			t.Errorf("%q: %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// Scenarios whose shards would not split one run are refused, saying what
// to change; a single shard (1/1) is always fine.
func TestShardRefusesWhatShardsCannotSplit(t *testing.T) {
	for _, tc := range []struct {
		extra, arrivals, want string
	}{
		{"", "poisson", "--shard 2/3: Poisson arrivals need a seed so that every shard splits one arrival sequence"},
		{"cold_start: {force: {count: 3}}", "uniform", "--shard 2/3: forced cold starts and sweeps change the function's configuration and cannot be sharded"},
		{"sweep: {memory_mb: [256]}", "uniform", "--shard 2/3: forced cold starts and sweeps change the function's configuration and cannot be sharded"},
	} {
		plan, err := scenarios.Parse("s.yaml", []byte("name: s\n"+tc.extra+`
targets: [{name: fn, kind: aws-lambda, function: hello, region: us-east-1}]
traffic: {arrivals: `+tc.arrivals+`, phases: [{shape: constant, rate: 10/s, duration: 1s}]}
`), scenarios.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseShard("2/3", 1, plan); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want %q", tc.extra, tc.arrivals, err, tc.want)
		}
		if _, err := ParseShard("1/1", 1, plan); err != nil {
			t.Errorf("%s %s: a single shard refused: %v", tc.extra, tc.arrivals, err)
		}
	}
}

// --shard-base 0 takes the index as a Kubernetes Indexed Job gives it
// (JOB_COMPLETION_INDEX, from 0): 0/4 is the first shard, 4/4 does not
// exist.
func TestShardBaseZeroCountsFromZero(t *testing.T) {
	plan := lambdaScenario(t, "", "10/s", "1s")
	for in, want := range map[string]rundir.ShardInfo{"0/4": {Index: 0, Count: 4}, "3/4": {Index: 3, Count: 4}} {
		if got, err := ParseShard(in, 0, plan); err != nil || got != want {
			t.Errorf("%q base 0: %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"4/4", "-1/4"} {
		if _, err := ParseShard(in, 0, plan); err == nil || !strings.Contains(err.Error(), "with --shard-base 0: want i/n with 0 <= i < n") {
			t.Errorf("%q base 0: %v; want the base-0 error", in, err)
		}
	}
	if _, err := ParseShard("1/4", 2, plan); err == nil || !strings.Contains(err.Error(), "--shard-base 2: want 1") {
		t.Errorf("base 2: %v", err)
	}
}
