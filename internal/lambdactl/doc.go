// Package lambdactl drives the slice of the AWS Lambda control plane fnbench
// needs around a run: reading a function's configuration (memory,
// architecture, runtime, SnapStart …) for reports and cost, forcing cold
// starts, setting memory for a sweep, and putting the function back as it
// was afterwards.
//
// A cold start is forced the way SeBS and lambda-perf do it
// (docs/sources.md, "How others force cold starts"):
// UpdateFunctionConfiguration sets the environment variable
// FNBENCH_COLD_NONCE to a fresh value, merged into the
// function's own variables, and fnbench waits until LastUpdateStatus is
// Successful; Lambda then retires every environment of the old
// configuration, so the next invocation starts a new one.
//
// Configuration updates apply to the unqualified function, $LATEST. A
// function may be named by name, partial ARN (123456789012:function:name)
// or full ARN; a qualifier (version or alias) only matters to Invoke and to
// Metadata. An alias that points at a published version never sees a
// configuration update, so ForceCold, SetMemory, Snapshot and Restore
// refuse a qualifier other than $LATEST rather than report a cold start
// that will not happen.
//
// The SDK's retries are off: fnbench counts every attempt it makes. The
// waits and retries this package does itself (for an update to finish, or
// for another update to get out of the way) are control-plane chores, not
// requests of the run. Callers need lambda:GetFunctionConfiguration, and
// lambda:UpdateFunctionConfiguration to change anything; without the first
// Metadata fails with ErrNotPermitted and the caller falls back to the
// scenario's values.
//
// Errors name the operation, the function and what AWS said; they never
// carry credentials, request signatures or environment variable values.
//
// What the package does not own: invoking functions (attack/), deciding
// when to force a cold start or which memory sizes to sweep (the scenario
// and its plan), and publishing versions.
package lambdactl
