// Package attack is fnbench's open-model load engine: it sends every
// target's requests at the times the scenario's schedule intends, whatever
// the targets do, and records what came back into a run directory.
//
// It owns:
//   - the scheduler and pacer (attack.go, pacer.go): one timeline shared by
//     all targets, each arrival offered to every target at the same moment,
//     and the run's recording intervals;
//   - the senders (sender.go, h1.go, h2.go, workers.go, runner.go): fnbench's
//     own HTTP/1.1 and HTTP/2 senders for keep-alive requests, net/http for
//     the rest (proxies, large bodies), each request's deadline counted from
//     its intended send time;
//   - connections (conn.go): warm-up sized by Little's law, dials timed by
//     phase, and what the connections did per interval;
//   - targets and their requests (target.go, prepare.go, sigv4.go,
//     cloud.go, lambda.go): URLs resolved, providers told from hosts, Lambda
//     Invoke requests built, SigV4 and Entra tokens applied per request
//     without an SDK call;
//   - classifying responses (classify.go) and tagging cold starts by the
//     strongest evidence (coldstart.go, lambdareport.go), with inference
//     left to internal/coldinfer, told per interval how much the client
//     itself may have delayed the responses (clientdelay.go);
//   - the recorder (recorder.go): latency from the intended send time into
//     HDR histograms per target, outcome and interval, written whole as
//     each interval completes;
//   - forced cold starts as a phase of the timeline (force.go).
//
// It does not own the run directory's format (internal/rundir, shared with
// the analysis), the orchestration around a run (configuration updates,
// memory sweeps, shards: attack/campaign), or any analysis of what was
// recorded (package analyze). Nothing here imports a package downstream of
// it.
package attack
