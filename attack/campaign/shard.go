package campaign

import (
	"fmt"

	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// ParseShard reads a --shard value, i/n with 1 <= i <= n, into the
// ShardInfo of Options.Shard: the run sends every n-th arrival of the
// schedule, starting with the i-th, for fnbench merge to combine. An empty
// value is the whole run. With base 0, i counts from 0 (0 <= i < n), as a
// Kubernetes Indexed Job numbers its pods. It refuses to shard what shards cannot split
// alike: Poisson arrivals without a seed (each shard would draw its own
// sequence), and forced cold starts and sweeps (they change the function
// every shard measures). Its errors name the flag, as the user wrote it.
func ParseShard(s string, base int, plan *scenarios.Plan) (rundir.ShardInfo, error) {
	if base != 0 && base != 1 {
		return rundir.ShardInfo{}, fmt.Errorf("--shard-base %d: want 1 (shards count from 1, the default) or 0 (from 0, as JOB_COMPLETION_INDEX does)", base)
	}
	if s == "" {
		return rundir.ShardInfo{Index: 0, Count: 1}, nil
	}
	var i, n int
	if _, err := fmt.Sscanf(s, "%d/%d", &i, &n); err != nil || n < 1 || i < base || i > n-1+base || fmt.Sprintf("%d/%d", i, n) != s {
		if base == 0 {
			return rundir.ShardInfo{}, fmt.Errorf("--shard %q with --shard-base 0: want i/n with 0 <= i < n, for example --shard 1/4", s)
		}
		return rundir.ShardInfo{}, fmt.Errorf("--shard %q: want i/n with 1 <= i <= n, for example --shard 2/4", s)
	}
	i += 1 - base
	if n > 1 && plan.Scenario.Traffic.Arrivals == scenarios.Poisson && !plan.Scenario.HasSeed {
		return rundir.ShardInfo{}, fmt.Errorf("--shard %s: Poisson arrivals need a seed so that every shard splits one arrival sequence; add seed: to the scenario or --set seed=N", s)
	}
	if n > 1 && (plan.Scenario.ColdStart.Force != nil || plan.Scenario.Sweep != nil) {
		return rundir.ShardInfo{}, fmt.Errorf("--shard %s: forced cold starts and sweeps change the function's configuration and cannot be sharded", s)
	}
	return rundir.ShardInfo{Index: i - 1, Count: n}, nil
}
