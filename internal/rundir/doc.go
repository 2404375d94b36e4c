// Package rundir owns the run directory, the contract between measuring
// (package attack) and understanding (packages analyze and report), both
// ways, as vegeta's results.go owns its Result:
//
//   - the schema: run.json (RunInfo), the per-interval counters
//     (IntervalCounts, with Billing), the events, and the vocabularies they
//     use (outcomes, error classes, cold-start evidence, statuses);
//   - the histogram geometry every latency and lag histogram shares;
//   - the one rule for what INIT adds to a Lambda bill (InitBilled);
//   - the one Writer, used by the recorder of a live run, by merge and by
//     the synthetic-run generator;
//   - the readers: run.json, whole lines of a possibly torn file, and a fast
//     decoder of HdrHistogram interval logs.
//
// The files of a run directory:
//
//	run.json         RunInfo, replaced atomically at start and end
//	latency.hlog     HdrHistogram interval log 1.3, tag "<target>/<outcome>", values in ns
//	lag.hlog         schedule lag per interval, tag "<target>", values in ns
//	timing.hlog      where the time went (TimingPhases), tag "<target>/<phase>", values in ns
//	intervals.jsonl  one IntervalCounts per (interval, target)
//	events.jsonl     error samples, cold starts, instances, interruption
//
// Every file but run.json is appended to and flushed once per interval, so
// a run killed with SIGKILL keeps every interval flushed before it; readers
// skip a torn last line and say so.
package rundir
