package rundir

import (
	"encoding/json"
	"time"
)

// The files of a run directory. Together they are the contract between
// measuring (this package) and understanding (analyze, report).
const (
	RunFile       = "run.json"        // RunInfo, rewritten atomically at start and end
	LatencyFile   = "latency.hlog"    // HdrHistogram interval log 1.3, tag "<target>/<outcome>", values in ns
	LagFile       = "lag.hlog"        // schedule lag per interval, tag "<target>", values in ns
	IntervalsFile = "intervals.jsonl" // one IntervalCounts per (interval, target)
	EventsFile    = "events.jsonl"    // Event lines: error samples, interruption
	// TimingFile breaks each request's time down by phase (TimingPhases),
	// tag "<target>/<phase>", values in ns. Absent from runs before it.
	TimingFile = "timing.hlog"
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
	// Clock is how a shard that started at an agreed instant (--start-at)
	// kept to it; absent from runs that started when they were ready.
	Clock *ClockInfo `json:"clock,omitempty"`
	// Upload is where the run directory was mirrored while it ran
	// (--upload), as s3://… or azblob://…; "" when it was not.
	Upload string `json:"upload,omitempty"`
}

// Where a ClockInfo's offset came from.
const (
	ClockNTP      = "ntp"       // the kernel's NTP clock discipline (adjtimex)
	ClockSameHost = "same-host" // shards of one machine read one clock
	ClockUnknown  = "unknown"
)

// ClockInfo is a shard's start on the agreed instant of a distributed run,
// and what fnbench could learn of its clock. Start skew between shards, in
// true time, is the spread of StartErrorNs - OffsetNs.
type ClockInfo struct {
	// StartAt is the agreed instant (--start-at).
	StartAt time.Time `json:"start_at"`
	// StartErrorNs is the run's time zero minus StartAt, by this machine's
	// clock: 0 when the shard was ready in time, positive when it was late
	// (its schedule then started that much after the others').
	StartErrorNs int64 `json:"start_error_ns"`
	// OffsetNs estimates how far this clock is ahead of true time (negative:
	// behind), and OffsetErrorNs bounds that estimate; OffsetSource says
	// where it came from: ClockNTP, ClockSameHost or ClockUnknown.
	OffsetNs      int64  `json:"offset_ns"`
	OffsetErrorNs int64  `json:"offset_error_ns,omitempty"`
	OffsetSource  string `json:"offset_source"`
	// Synchronized is the kernel's word that an NTP daemon keeps the clock
	// (adjtimex without STA_UNSYNC); nil where it could not be asked.
	Synchronized *bool `json:"synchronized,omitempty"`
	// StorageOffsetNs is this clock minus the object store's (its HTTP Date
	// header, whole seconds: good to about a second), when the run was
	// uploaded: a check on gross errors of an unsynchronized clock.
	StorageOffsetNs *int64 `json:"storage_offset_ns,omitempty"`
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
	// AlwaysReady is an Azure Flex app's always-ready instances, billed a
	// baseline while they exist.
	AlwaysReady int `json:"always_ready,omitempty"`
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

// ScenarioName is the name of the scenario the run recorded ("" when
// run.json's scenario has none).
func (i *RunInfo) ScenarioName() string {
	var sc struct {
		Name string `json:"name"`
	}
	json.Unmarshal(i.Scenario, &sc) //nolint:errcheck // a scenario without a name has none
	return sc.Name
}
