// Package analyze turns a run directory into understanding: it reads a run
// (Load), merges shards (Merge), and summarises it per target and phase
// (Summarize): latency percentiles with confidence intervals, the cold and
// warm split with the evidence behind each cold start, scaling (instances,
// throttles, time to scale after a step), schedule lag, where the time
// went (DNS, connect, TLS, time to first byte, transfer, connections;
// summarytiming.go), and what the run cost by each provider's prices
// (runcost.go, with the pricing model in analyze/cost).
//
// It reads the run directory through internal/rundir and imports nothing
// of the engine: analysing a run needs no network, no cloud SDK and no
// load generator. It does not render anything; package report does.
package analyze
