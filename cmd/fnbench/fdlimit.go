package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/scenarios"
)

// warnFDs warns, before a run starts, when the planned connections cannot
// fit in the file-descriptor limit. Go raises the soft limit to the hard
// one when the process starts (os package, Linux and macOS); this reads
// what was granted. A request that finds no descriptor fails as a
// client_error, fnbench's own, not as the target's (attack's fdBudget
// keeps attack.FDReserve of them for the run directory).
func warnFDs(plan *scenarios.Plan, shards int, w io.Writer) {
	limit, ok := attack.FDLimit()
	if !ok {
		return
	}
	need := attack.FDReserve
	var parts []string
	for i := range plan.Scenario.Targets {
		st := &plan.Scenario.Targets[i]
		n := attack.PlannedConnections(st, plan.Schedule, shards)
		need += n
		parts = append(parts, fmt.Sprintf("%s %d", st.Name, n))
	}
	if uint64(need) <= limit {
		return
	}
	fmt.Fprintf(w, "fnbench: warning: this run may hold %d connections at once (%s, plus %d of its own), beyond the file-descriptor limit of %d; "+
		"requests beyond it fail as client_error: raise the limit (ulimit -n %d), or lower max_in_flight or the timeout\n",
		need-attack.FDReserve, strings.Join(parts, ", "), attack.FDReserve, limit, need)
}
