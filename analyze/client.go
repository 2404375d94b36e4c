package analyze

import (
	"fmt"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// When the load generator itself was the bottleneck. fnbench's latencies
// count from each request's intended send time, so a client that sends
// late or reads late adds its own delay to what it reports of the target,
// and inferred cold starts are then suppressed where the client's delay
// explains a slow response (internal/coldinfer). An interval was
// client-bound when either happened in it.
const (
	// ClientLagFloor, ClientLagShare and ClientLagMin: an interval was
	// client-bound by schedule lag when its lag p99 exceeded both
	// ClientLagFloor and ClientLagShare of its median latency (requests
	// left late by more than the target's own time could hide), over at
	// least ClientLagMin requests (the p99 of fewer is their slowest: one
	// request that waited for a connection).
	ClientLagFloor = 10 * time.Millisecond
	ClientLagShare = 0.1
	ClientLagMin   = 100
	// BuiltinMaxClientBound is the share of a target's completed requests
	// that may lie in client-bound intervals before the built-in "client
	// kept up" check is inconclusive.
	BuiltinMaxClientBound = 0.01
)

// ClientBound says how much of one target's run the client was the
// bottleneck.
type ClientBound struct {
	// Measured: the run measured the client's own delay for the target
	// (its cold starts were inferred, by a recorder that knows how).
	Measured bool `json:"measured"`
	// Intervals were client-bound, of Of intervals that completed
	// requests; Requests completed in them, Share of the target's
	// completed requests. First is the start of the first.
	Intervals int           `json:"intervals"`
	Of        int           `json:"of"`
	Requests  int64         `json:"requests"`
	Share     float64       `json:"share"`
	First     time.Duration `json:"first_ns,omitempty"`
	// Suppressed counts the slow successes that inference did not tag as
	// cold starts because the client's delay explains them; MaxDelay is
	// the largest such delay in an interval (an upper bound of what the
	// client added), MaxLagP99 the worst schedule lag p99 of a
	// client-bound interval.
	Suppressed int64         `json:"cold_suppressed"`
	MaxDelay   time.Duration `json:"max_client_delay_ns"`
	MaxLagP99  time.Duration `json:"max_lag_p99_ns"`
	// Errors counts the requests that failed on fnbench's side
	// (client_error: out of file descriptors or memory, or abandoned by a
	// second interrupt), of Completed; they are not the target's errors.
	Errors    int64 `json:"client_errors"`
	Completed int64 `json:"completed"`
}

// clientBound reports whether the client was the bottleneck in iv: it
// sent late by more than the target's time could hide, or inference
// suppressed cold starts the client's delay explains.
func clientBound(iv *Interval) bool {
	if iv.ColdSuppressed > 0 {
		return true
	}
	lag := time.Duration(iv.LagP99Ns)
	return iv.Completed >= ClientLagMin && lag > ClientLagFloor && float64(lag) > ClientLagShare*float64(iv.P50)
}

func clientOf(tr *TargetRun) ClientBound {
	var c ClientBound
	var total int64
	for k := range tr.Intervals {
		iv := &tr.Intervals[k]
		if iv.ClientDelayNs > 0 {
			c.Measured = true
		}
		c.Errors += iv.Classes[rundir.ClassClientError]
		c.Completed += iv.Completed
		if iv.Completed == 0 {
			continue
		}
		c.Of++
		total += iv.Completed
		if !clientBound(iv) {
			continue
		}
		if c.Intervals == 0 {
			c.First = time.Duration(iv.StartNanos)
		}
		c.Intervals++
		c.Requests += iv.Completed
		c.Suppressed += iv.ColdSuppressed
		c.MaxLagP99 = max(c.MaxLagP99, time.Duration(iv.LagP99Ns))
		if iv.ColdSuppressed > 0 {
			c.MaxDelay = max(c.MaxDelay, time.Duration(iv.ClientDelayNs))
		}
	}
	c.Share = ratio(c.Requests, total)
	return c
}

// warnings are the summary's warnings about the client: that it failed
// requests itself, and that it was the bottleneck; none when it kept up.
func (c ClientBound) warnings(target string) []string {
	var out []string
	if c.Errors > 0 {
		out = append(out, fmt.Sprintf("target %s: %d of %d requests failed on fnbench's side (client_error: out of file descriptors, memory or local ports, or abandoned by a second interrupt); they are left out of the target's error rate: raise the file-descriptor limit (ulimit -n), lower the rate or max_in_flight, or shard the run",
			target, c.Errors, c.Completed))
	}
	if w := c.bottleneckWarning(target); w != "" {
		out = append(out, w)
	}
	return out
}

// bottleneckWarning is the warning that the client was the bottleneck, ""
// when it was not.
func (c ClientBound) bottleneckWarning(target string) string {
	if c.Intervals == 0 {
		return ""
	}
	w := fmt.Sprintf("target %s: the client was the bottleneck in %d of %d intervals (%.1f%% of its requests, from %s)",
		target, c.Intervals, c.Of, 100*c.Share, c.First.Truncate(time.Millisecond))
	if c.MaxLagP99 > ClientLagFloor {
		w += fmt.Sprintf("; schedule lag p99 up to %s", c.MaxLagP99.Round(time.Millisecond))
	}
	if c.Suppressed > 0 {
		w += fmt.Sprintf("; %d slow responses not tagged as inferred cold starts, for the client's own delay (up to %s) explains them", c.Suppressed, c.MaxDelay.Round(time.Millisecond))
	}
	return w + ": its latencies there are partly the client's; lower the rate, give the client more CPU, or shard the run"
}

// errorCheck is the built-in check that fnbench failed no request itself:
// a client_error fails the gate, for the run did not measure what it was
// asked to. Like "client kept up" it is listed where it has something to
// say: ok false when fnbench failed nothing.
func (c ClientBound) errorCheck(target string) (CheckResult, bool) {
	if c.Errors == 0 {
		return CheckResult{}, false
	}
	return CheckResult{Expr: "no client errors", Target: target, Metric: "client_errors", Unit: "count", Builtin: true,
		Op: "==", Limit: 0, Observed: float64(c.Errors), Samples: c.Completed, Verdict: Fail,
		Note: fmt.Sprintf("%d requests failed on fnbench's side, not the target's: raise ulimit -n, lower the load or shard the run", c.Errors)}, true
}

// checkResult is the built-in check that the client kept up with the
// target: judged where the run measured the client's delay or saw it
// fall behind; ok false when there is nothing to judge.
func (c ClientBound) checkResult(target string) (CheckResult, bool) {
	if !c.Measured && c.Intervals == 0 {
		return CheckResult{}, false
	}
	r := CheckResult{Expr: "client kept up", Target: target, Metric: "client_bound", Unit: "ratio", Builtin: true,
		Op: "<=", Limit: BuiltinMaxClientBound, Observed: c.Share, Samples: int64(c.Of), Verdict: Pass}
	if c.Share > BuiltinMaxClientBound {
		r.Verdict = Inconclusive
		r.Note = fmt.Sprintf("the client was the bottleneck in %d of %d intervals", c.Intervals, c.Of)
		if c.Suppressed > 0 {
			r.Note += fmt.Sprintf(", %d inferred cold starts suppressed", c.Suppressed)
		}
		if c.MaxLagP99 > ClientLagFloor {
			r.Note += fmt.Sprintf(", schedule lag p99 up to %s", c.MaxLagP99.Round(time.Millisecond))
		}
		r.Note += ": the run measured the client, not the target, there"
	}
	return r, true
}
