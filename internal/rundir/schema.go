package rundir

import (
	"encoding/json"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// The files of a run directory. Together they are the contract between
// measuring (this package) and understanding (analyze, report).
const (
	RunFile       = "run.json"        // RunInfo, rewritten atomically at start and end
	LatencyFile   = "latency.hlog"    // HdrHistogram interval log 1.3, tag "<target>/<outcome>", values in ns
	LagFile       = "lag.hlog"        // schedule lag per interval, tag "<target>", values in ns
	IntervalsFile = "intervals.jsonl" // one IntervalCounts per (interval, target)
	EventsFile    = "events.jsonl"    // Event lines: error samples, interruption
)

// FormatVersion is the run directory format. Readers reject a newer major
// version with a clear error.
const FormatVersion = 1

// Run statuses. A run directory whose run.json still says StatusRunning was
// killed before it could finish; readers treat it as interrupted.
const (
	StatusRunning     = "running"
	StatusComplete    = "complete"
	StatusInterrupted = "interrupted"
	StatusFailed      = "failed"
	// StatusAborted: a threshold marked abort was certainly lost, and the
	// attack stopped early to save time and money.
	StatusAborted = "aborted"
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
)

// Classes lists the error classes in a fixed order.
var Classes = [...]string{ClassThrottled, ClassFunctionError, ClassHTTPError, ClassTimeout, ClassTransportError}

// HDR histogram geometry for latency and lag: 1 µs to 1 h in nanoseconds, at
// 3 significant figures. Values outside are clamped to the range.
const (
	LowestNanos  = int64(time.Microsecond)
	HighestNanos = int64(time.Hour)
	SigFigs      = 3
)

// NewHistogram returns an empty histogram of the run directory's geometry.
func NewHistogram() *hdr.Histogram { return hdr.New(LowestNanos, HighestNanos, SigFigs) }

// RunInfo is run.json.
type RunInfo struct {
	FormatVersion  int             `json:"format_version"`
	Tool           ToolInfo        `json:"tool"`
	Scenario       json.RawMessage `json:"scenario"` // the resolved scenario, secrets redacted
	ScenarioFile   FileInfo        `json:"scenario_file"`
	Seed           int64           `json:"seed"`
	Arrivals       string          `json:"arrivals"`
	IntervalNanos  int64           `json:"interval_ns"`
	Targets        []TargetInfo    `json:"targets"`
	Phases         []PhaseInfo     `json:"phases"`
	ExpectedPerTgt int64           `json:"expected_requests_per_target"`
	StartTime      time.Time       `json:"start_time"`
	EndTime        time.Time       `json:"end_time,omitzero"`
	Status         string          `json:"status"`
	StatusReason   string          `json:"status_reason,omitempty"`
	Host           HostInfo        `json:"host"`
	Forced         []ForcedResult  `json:"forced,omitempty"` // forced cold starts, per target
	Shard          ShardInfo       `json:"shard"`
}

// ToolInfo names the program that wrote a run.
type ToolInfo struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
}

// FileInfo identifies the scenario file a run came from.
type FileInfo struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// TargetInfo is what a report needs to know of a target. URL is redacted.
type TargetInfo struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Provider    string `json:"provider"`
	URL         string `json:"url"`
	Method      string `json:"method"`
	Simulated   bool   `json:"simulated"`
	TimeoutNs   int64  `json:"timeout_ns"`
	MaxInFlight int    `json:"max_in_flight"`
	Region      string `json:"region,omitempty"`
	MemoryMB    int    `json:"memory_mb,omitempty"`
	Arch        string `json:"arch,omitempty"`
	Plan        string `json:"plan,omitempty"`
	// aws-lambda targets: the function invoked, and what Lambda (or the
	// scenario) says of it.
	Function  string        `json:"function,omitempty"`
	Qualifier string        `json:"qualifier,omitempty"`
	Meta      *FunctionMeta `json:"meta,omitempty"`
	Auth      string        `json:"auth,omitempty"` // the auth type, never its secret
	// Gateway is what stands in front of the function, where fnbench can
	// tell: http-api or rest-api (API Gateway), function-url; "" otherwise.
	Gateway string `json:"gateway,omitempty"`
}

// PhaseInfo is one traffic phase on the run's timeline (offsets from start).
type PhaseInfo struct {
	Index       int     `json:"index"`
	Name        string  `json:"name"`
	Shape       string  `json:"shape"`
	StartNanos  int64   `json:"start_ns"`
	EndNanos    int64   `json:"end_ns"`
	ExpectedReq float64 `json:"expected_requests"`
}

// HostInfo describes the machine that generated the load.
type HostInfo struct {
	Hostname string `json:"hostname"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	CPUs     int    `json:"cpus"`
}

// ShardInfo says which part of a sharded run this directory holds.
type ShardInfo struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// IntervalCounts is one line of intervals.jsonl: the counters of one target
// over one interval. Requests belong to the interval of their intended send
// time, so a stall shows up when it began, not when it ended.
type IntervalCounts struct {
	Seq        int              `json:"seq"`
	Phase      int              `json:"phase"`
	StartNanos int64            `json:"start_ns"`
	EndNanos   int64            `json:"end_ns"`
	Target     string           `json:"target"`
	Offered    int64            `json:"offered"`
	Sent       int64            `json:"sent"`
	NotSent    int64            `json:"not_sent"`
	Completed  int64            `json:"completed"`
	Warm       int64            `json:"warm"`
	Cold       int64            `json:"cold"`
	Errors     int64            `json:"errors"`
	Classes    map[string]int64 `json:"classes,omitempty"`
	BytesIn    int64            `json:"bytes_in"`
	BytesOut   int64            `json:"bytes_out"`
	LagP50Ns   int64            `json:"lag_p50_ns"`
	LagP99Ns   int64            `json:"lag_p99_ns"`
	LagMaxNs   int64            `json:"lag_max_ns"`
	PeakInFl   int64            `json:"peak_in_flight"`
	// ColdEvidence counts the interval's cold starts by evidence kind.
	ColdEvidence map[string]int64 `json:"cold_evidence,omitempty"`
	// Instances is how many distinct execution environments answered in
	// the interval, where responses name them; NewInstances how many of
	// those had not answered before.
	Instances    int64 `json:"instances,omitempty"`
	NewInstances int64 `json:"new_instances,omitempty"`
	// Billing sums the REPORT lines of the interval's invocations
	// (aws-lambda targets); nil when there were none.
	Billing *Billing `json:"billing,omitempty"`
}

// Billing sums what the REPORT lines of an interval's invocations said:
// the figures Lambda bills on. Billed Duration already holds the INIT
// phase where Lambda bills it (docs/sources.md, "AWS Lambda pricing").
type Billing struct {
	Reports    int64 `json:"reports"`     // invocations with a REPORT line
	BilledMs   int64 `json:"billed_ms"`   // sum of Billed Duration
	DurationNs int64 `json:"duration_ns"` // sum of Duration
	// Inits counts REPORT lines with an Init Duration, proactive inits
	// included (they are billed too); InitNs sums those durations.
	Inits          int64 `json:"inits,omitempty"`
	InitNs         int64 `json:"init_ns,omitempty"`
	ProactiveInits int64 `json:"proactive_inits,omitempty"`
	// RestoreBilledMs sums SnapStart's Billed Restore Duration.
	RestoreBilledMs int64 `json:"restore_billed_ms,omitempty"`
	Restores        int64 `json:"restores,omitempty"`
	// InitBilledMs sums what cold starts added to Billed Duration: on a
	// REPORT line with an Init Duration, Billed Duration − ⌈Duration⌉
	// (zero where the INIT phase was not billed).
	InitBilledMs    int64 `json:"init_billed_ms,omitempty"`
	MemoryMB        int   `json:"memory_mb"`          // Memory Size (the largest seen)
	MaxMemoryUsedMB int   `json:"max_memory_used_mb"` // the largest Max Memory Used
	// FunctionErrors and Timeouts count REPORT lines with Status error or
	// timeout.
	FunctionErrors int64 `json:"function_errors,omitempty"`
	Timeouts       int64 `json:"timeouts,omitempty"`
}

// Merge adds o's sums to b.
func (b *Billing) Merge(o *Billing) {
	b.Reports += o.Reports
	b.BilledMs += o.BilledMs
	b.DurationNs += o.DurationNs
	b.Inits += o.Inits
	b.InitNs += o.InitNs
	b.ProactiveInits += o.ProactiveInits
	b.RestoreBilledMs += o.RestoreBilledMs
	b.Restores += o.Restores
	b.InitBilledMs += o.InitBilledMs
	b.MemoryMB = max(b.MemoryMB, o.MemoryMB)
	b.MaxMemoryUsedMB = max(b.MaxMemoryUsedMB, o.MaxMemoryUsedMB)
	b.FunctionErrors += o.FunctionErrors
	b.Timeouts += o.Timeouts
}

// Event types in events.jsonl.
const (
	EventErrorSample = "error_sample" // the first error of a class in an interval
	EventColdStart   = "cold_start"   // one cold start, with its evidence
	EventInstance    = "instance"     // an execution environment: first and last seen
	EventInterrupted = "interrupted"
)

// Event is one line of events.jsonl.
type Event struct {
	Type    string `json:"type"`             // one of the Event* types
	AtNanos int64  `json:"t_ns"`             // offset from run start (intended send time for requests)
	Target  string `json:"target,omitempty"` // target name
	Class   string `json:"class,omitempty"`  // error class
	Status  int    `json:"status,omitempty"` // HTTP status, when there was one
	Count   int64  `json:"count,omitempty"`  // how many such errors the interval had
	Message string `json:"message,omitempty"`

	// Cold starts and instances.
	LatencyNanos int64  `json:"latency_ns,omitempty"` // client latency of the cold request
	InitNanos    int64  `json:"init_ns,omitempty"`    // init or restore duration, when reported
	Instance     string `json:"instance,omitempty"`
	Evidence     string `json:"evidence,omitempty"`
	RequestID    string `json:"request_id,omitempty"` // the platform's request id, when known
	FirstNanos   int64  `json:"first_ns,omitempty"`   // instance: first and last intended send
	LastNanos    int64  `json:"last_ns,omitempty"`    // time of a request it answered
}

// Where a target's FunctionMeta came from.
const (
	MetaFromPlatform = "platform" // GetFunctionConfiguration (or the simulator's)
	MetaFromScenario = "scenario" // the scenario's memory_mb and architecture
)

// FunctionMeta is what the platform (or the scenario) says of a function.
type FunctionMeta struct {
	Source      string `json:"source,omitempty"` // MetaFromPlatform or MetaFromScenario
	MemoryMB    int    `json:"memory_mb,omitempty"`
	Arch        string `json:"architecture,omitempty"`
	Runtime     string `json:"runtime,omitempty"`
	PackageType string `json:"package_type,omitempty"`
	EphemeralMB int    `json:"ephemeral_storage_mb,omitempty"`
	SnapStart   bool   `json:"snapstart,omitempty"`
	Version     string `json:"version,omitempty"`
	// Note says why the platform was not asked, when it was not.
	Note string `json:"note,omitempty"`
}

// ForcedPhase is the name of the phase of forced cold starts, at the start
// of a run's timeline when the scenario asks for them.
const ForcedPhase = "forced-cold"

// ForcedResult is what forcing cold starts got from one target.
type ForcedResult struct {
	Target   string `json:"target"`
	Wanted   int    `json:"wanted"`
	Cold     int    `json:"cold"`            // samples tagged cold
	Warm     int    `json:"warm"`            // samples that turned out warm, retried
	Errors   int    `json:"errors"`          // invocations that failed
	Attempts int    `json:"attempts"`        // invocations sent
	Error    string `json:"error,omitempty"` // why forcing stopped early
}

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
