// Package campaign runs a scenario the way fnbench run does: everything
// around the engine (attack.Run) that a single run of the schedule does not
// do by itself.
//
// It owns:
//   - resolving the plan's targets and reading each Lambda function's
//     configuration (memory, architecture, runtime …) into the targets'
//     metadata, falling back to the scenario's values with a note
//     (lambda.go);
//   - the configuration snapshot taken before fnbench changes a function,
//     and its restore afterwards, whatever ended the campaign: success,
//     failure or Ctrl-C (campaign.go, lambda.go);
//   - forced cold starts: preparing each sample with a configuration update
//     through the Lambda control plane, and judging whether enough samples
//     came out cold (force.go);
//   - memory sweeps: one run per memory size, each into its own run
//     directory (sweep.go);
//   - the shard rules: what --shard i/n means and which scenarios cannot be
//     sharded (shard.go);
//   - giving each run its watcher (Options.Watch), which stops a run whose
//     threshold marked abort is certainly lost; an aborted run is not a
//     campaign failure: the caller's gate reports it.
//
// It does not own the schedule, the senders or the recording (package
// attack), the run directory's format (internal/rundir), the calls to
// Lambda's API (internal/lambdactl), signal handling, flags or exit codes
// (cmd/fnbench), starting the built-in simulator (the caller passes its
// resolver in Options.Env), or reading a run back and summarising it
// (package analyze, downstream of this one: Options.Finished lets the
// caller do that after each run).
package campaign
