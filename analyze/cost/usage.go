package cost

import (
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// Config is what a target is, as far as billing cares. Fields that do not
// apply to the Provider are ignored.
type Config struct {
	Provider Provider
	// Arch is the Lambda architecture (default x86_64).
	Arch Arch
	// MemoryMB is, by provider: Lambda's configured memory; Azure
	// Consumption's observed memory use (billed rounded up to 128 MB; 0 means
	// unknown and bills the 1,536 MB maximum, an upper bound); Flex's
	// configured instance memory; Cloud Run's memory limit.
	MemoryMB int
	// EphemeralMB is Lambda's /tmp size; above 512 MB it is billed.
	EphemeralMB int
	// Packaging decides whether Lambda INIT was billed before 2025-08-01.
	Packaging Packaging
	// SnapStart marks a Lambda function with SnapStart (its cache is not
	// priced: no public source gives a price; docs/sources.md, "Assumptions
	// fnbench makes").
	SnapStart bool
	// ProvisionedConcurrency is Lambda environments kept initialised; they
	// are billed for Usage.Period and serve the requests at the lower
	// duration price.
	ProvisionedConcurrency int
	// AlwaysReady is Flex instances kept running, billed for Usage.Period.
	AlwaysReady int
	// PerInstanceConcurrency is the HTTP requests one Flex instance serves
	// at once; 0 means Azure's default for the instance memory and
	// Language (the table's instance_concurrency).
	PerInstanceConcurrency int
	// Language is the function's language, where it changes a default
	// (Flex runs Python one request per instance).
	Language string
	// Instances is Premium instances billed for Usage.Period (at least 1).
	Instances int
	// PremiumPlan names the Premium instance size (default EP1).
	PremiumPlan string
	// VCPU is Cloud Run's vCPUs per instance (default 1).
	VCPU float64
	// Gateway is what fronts the function and bills per request.
	Gateway Gateway
	// PerRequest is the database and event work each request does.
	PerRequest PerRequest
}

// PerRequest is the work one request does behind the function, in the units
// each service bills (a scenario's cost.per_request). Fractions are allowed:
// an eventually consistent DynamoDB read of up to 4 KB is 0.5 read units.
type PerRequest struct {
	DynamoDBReadUnits  float64 // read request units
	DynamoDBWriteUnits float64 // write request units
	CosmosDBRUs        float64 // Cosmos DB serverless request units
	EventGridOps       float64 // Event Grid operations (publish, delivery, match)
}

// Options choose how a bill is drawn up.
type Options struct {
	// FreeTier applies the monthly free tiers and grants every account gets
	// (Lambda, Azure, Cloud Run, Event Grid). Off, the cost is marginal: what
	// the usage adds to a bill whose free tier is already used up.
	FreeTier bool
	// NewAccount also applies API Gateway's 12-month free tier (1 M calls a
	// month), which only new accounts have. It needs FreeTier.
	NewAccount bool
	// Prior is what the account already used this month: tiers are walked
	// from there, and free allowances are used by it first.
	Prior Prior
}

// Prior is an account's usage earlier in the same month.
type Prior struct {
	LambdaGBSeconds int64 // on-demand duration of the same architecture
	GatewayRequests int64 // API Gateway requests of the same API type
}

// Usage is what one target consumed over a run, in the units providers
// bill. Fill Billed from what the platform reported (Lambda REPORT lines,
// Azure execution units); without it, Latency gives an upper-bound estimate.
//
// Measured billing already carries the rules of the day it was billed on:
// a REPORT line from before 2025-08-01 bills no INIT for a ZIP function on a
// managed runtime, and LambdaInvocation then finds no INIT part. Where
// fnbench computes billed time itself (Calculator), its Date decides.
type Usage struct {
	// Requests is the invocations billed. Zero means Billed.Invocations, or
	// else the Latency total.
	Requests int64
	// Billed is the platform's own billing, summed per request; nil when it
	// was not measured.
	Billed *Billed
	// Latency is the client-side latency of the billed requests, as
	// (latency, count) buckets (an HDR histogram's, for example). Give each
	// bucket's highest equivalent value for a strict upper bound.
	Latency []LatencyBucket
	// Sizes is the request sizes, for API Gateway's HTTP API 512 KB
	// metering; requests not covered count as one unit each.
	Sizes []SizeBucket
	// Period is the wall-clock time the usage spans: hourly charges
	// (provisioned concurrency, always-ready, Premium) are billed for it.
	Period time.Duration
	// Azure is an Azure Functions app's bill as the run computed it from
	// the function's markers (instance, execution time, memory); nil
	// without them.
	Markers *rundir.MarkerBilling
	// PeakInFlight is the most requests in flight at once: it bounds the
	// instances a Flex app needed when no instance was named.
	PeakInFlight int64
	// Colds is the cold starts whose INIT (or SnapStart restore) was
	// billed, where the run counted them: a projection prices its own
	// modelled cold starts at their mean cost instead of extrapolating the
	// run's share. 0: not counted.
	Colds int64
}

// LatencyBucket is Count requests of (at most) Latency each.
type LatencyBucket struct {
	Latency time.Duration
	Count   int64
}

// SizeBucket is Count requests of Bytes each.
type SizeBucket struct {
	Bytes int64
	Count int64
}

// Billed is a platform's billing summed over requests. Per-request rounding
// is already applied, as the platform applied it.
type Billed struct {
	Invocations int64
	// DurationMs is the sum of billed durations (Lambda's Billed Duration,
	// which since 2025-08-01 includes INIT on a cold start and always the
	// SnapStart Billed Restore Duration).
	DurationMs int64
	// InitMs and RestoreMs are the parts of DurationMs that INIT and
	// SnapStart restore added.
	InitMs    int64
	RestoreMs int64
	// MBms is the sum of billed memory × billed duration (Azure's execution
	// units). Zero means Config.MemoryMB × DurationMs.
	MBms int64
}

// Invocation is one request as the platform billed it.
type Invocation struct {
	Billed   time.Duration // billed duration, whole milliseconds
	MemoryMB int           // memory billed: Lambda's Memory Size, Azure's rounded observed memory
	Init     time.Duration // the part of Billed that INIT added
	Restore  time.Duration // the part of Billed that SnapStart restore added
}

// Add sums one invocation into b.
func (b *Billed) Add(inv Invocation) {
	ms := inv.Billed.Milliseconds()
	b.Invocations++
	b.DurationMs += ms
	b.InitMs += inv.Init.Milliseconds()
	b.RestoreMs += inv.Restore.Milliseconds()
	b.MBms += int64(inv.MemoryMB) * ms
}

// LambdaInvocation reads one REPORT line's figures: Duration, Billed
// Duration, Init Duration (zero when warm), Billed Restore Duration (zero
// without SnapStart) and Memory Size. What INIT added follows the run
// directory's one rule, rundir.InitBilled: zero where INIT was free.
func LambdaInvocation(duration, billed, initDuration, billedRestore time.Duration, memoryMB int) Invocation {
	return Invocation{Billed: billed, MemoryMB: memoryMB, Restore: min(billedRestore, billed),
		Init: rundir.InitBilled(duration, billed, initDuration, billedRestore)}
}
