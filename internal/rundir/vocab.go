package rundir

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Outcomes are the HDR tags' second half. Finer error classes live in the
// counters (IntervalCounts.Classes).
const (
	OutcomeWarm  = "warm"
	OutcomeCold  = "cold"
	OutcomeError = "error"
)

// Outcomes lists the outcome tags in a fixed order; results index into it.
var Outcomes = [...]string{OutcomeWarm, OutcomeCold, OutcomeError}

// Indexes into Outcomes.
const (
	IndexWarm = iota
	IndexCold
	IndexError
)

// Error classes of a request that did not succeed.
const (
	ClassThrottled      = "throttled"
	ClassFunctionError  = "function_error"
	ClassHTTPError      = "http_error"
	ClassTimeout        = "timeout"
	ClassTransportError = "transport_error"
	// ClassClientError is a failure on fnbench's side, not the target's:
	// out of file descriptors, memory or local ports, or a request
	// abandoned by a second interrupt. It is kept out of the target's
	// error rate and fails a built-in check of its own.
	ClassClientError = "client_error"
)

// Classes lists the error classes in a fixed order.
var Classes = [...]string{ClassThrottled, ClassFunctionError, ClassHTTPError, ClassTimeout, ClassTransportError, ClassClientError}

// Timing phases, the tags' second half in timing.hlog, as k6 names them
// (http_req_connecting, http_req_tls_handshaking, http_req_waiting,
// http_req_receiving). The connection phases are the client's own work: a
// connection is dialled apart from any one request, so they are recorded
// once per connection, in the interval in which its dial ended. The request
// phases are recorded per request, in the interval of its intended send
// time, from the moment its first byte was written.
const (
	PhaseDNS      = "dns"      // name resolution
	PhaseConnect  = "connect"  // TCP connect
	PhaseTLS      = "tls"      // TLS handshake
	PhaseTTFB     = "ttfb"     // request written → first byte of the response
	PhaseTransfer = "transfer" // first byte → last byte of the response
)

// TimingPhases lists the timing phases in a fixed order; results index into it.
var TimingPhases = [...]string{PhaseDNS, PhaseConnect, PhaseTLS, PhaseTTFB, PhaseTransfer}

// Indexes into TimingPhases.
const (
	IndexDNS = iota
	IndexConnect
	IndexTLS
	IndexTTFB
	IndexTransfer
)

// HDR histogram geometry for latency and lag: 1 µs to 1 h in nanoseconds, at
// 3 significant figures. Values outside are clamped to the range.
const (
	LowestNanos  = int64(time.Microsecond)
	HighestNanos = int64(time.Hour)
	SigFigs      = 3
)

// NewHistogram returns an empty histogram of the run directory's geometry.
func NewHistogram() *hdr.Histogram { return hdr.New(LowestNanos, HighestNanos, SigFigs) }

// Evidence kinds for a cold start, strongest first (docs/sources.md,
// "Cold-start evidence"): the Lambda REPORT line, the markers of an
// instrumented function, or inference. No evidence means not cold.
const (
	EvidenceReport   = "report"
	EvidenceMarker   = "marker"
	EvidenceInferred = "inferred"
)

// Evidences lists the evidence kinds in a fixed order; counters index into it.
var Evidences = [...]string{EvidenceReport, EvidenceMarker, EvidenceInferred}

// Indexes into Evidences.
const (
	EvidenceIndexReport = iota
	EvidenceIndexMarker
	EvidenceIndexInferred
)

// OutcomeIndex returns the index of an outcome name in Outcomes, or -1.
func OutcomeIndex(name string) int {
	for i, o := range Outcomes {
		if o == name {
			return i
		}
	}
	return -1
}

// ClassIndex returns the index of an error class in Classes, or -1.
func ClassIndex(name string) int {
	for i, c := range Classes {
		if c == name {
			return i
		}
	}
	return -1
}

// ClampNanos clamps a latency to the histograms' range.
func ClampNanos(v int64) int64 {
	switch {
	case v < LowestNanos:
		return LowestNanos
	case v > HighestNanos:
		return HighestNanos
	}
	return v
}
