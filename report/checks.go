package report

import (
	"fmt"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

// MaxErrorRate is the share of failed requests above which a target fails
// its sanity check. Thresholds of the scenario's own replace these checks
// when they arrive.
const MaxErrorRate = 0.01

// Check is one sanity check of one target: did the run measure something
// worth reading?
type Check struct {
	Name   string
	Passed bool
	Detail string // what was measured, and on failure what to do
}

// SanityChecks are the checks every target gets until scenarios carry
// thresholds: the run completed, requests were sent, all the offered ones,
// and at most MaxErrorRate of them failed.
func SanityChecks(r *analyze.Run, ts *analyze.TargetSummary) []Check {
	tot := ts.Total
	status := r.Status
	if r.Killed {
		status = "interrupted (killed)"
	}
	return []Check{
		{"run completed", r.Status == rundir.StatusComplete, "status " + status},
		{"requests were sent", tot.Sent > 0, fmt.Sprintf("%d sent of %d offered", tot.Sent, tot.Offered)},
		{"every offered request was sent", tot.NotSent == 0, notSentDetail(tot.NotSent, ts.Target.MaxInFlight)},
		{fmt.Sprintf("error rate at most %g%%", 100*MaxErrorRate), tot.ErrorRate <= MaxErrorRate,
			fmt.Sprintf("%d errors in %d completed requests (%.2f%%)%s", tot.Errors, tot.Completed, 100*tot.ErrorRate, classSuffix(tot.Classes))},
	}
}

func classSuffix(m map[string]int64) string {
	if s := classes(m); s != "" {
		return ": " + s
	}
	return ""
}

func notSentDetail(n int64, maxInFlight int) string {
	if n == 0 {
		return "0 not sent"
	}
	return fmt.Sprintf("%d not sent: more than max_in_flight (%d) were in flight; raise max_in_flight or lower the rate", n, maxInFlight)
}
