package rundir

import "time"

// Invocation is what one Lambda REPORT line says was billed for one
// invocation.
type Invocation struct {
	Duration        time.Duration // Duration
	Billed          time.Duration // Billed Duration, whole milliseconds
	Init            time.Duration // Init Duration; 0 when there was none
	BilledRestore   time.Duration // SnapStart's Billed Restore Duration
	MemoryMB        int           // Memory Size
	MaxMemoryUsedMB int           // Max Memory Used
	Proactive       bool          // an init no client waited for (still billed)
	Status          string        // "error" or "timeout" when the invocation failed
}

// InitBilled is the part of a Billed Duration that the INIT phase added.
// Lambda bills ⌈Duration + Init Duration⌉ on a cold start since 2025-08-01
// and ⌈Duration⌉ for a ZIP function on a managed runtime before
// (docs/sources.md, "AWS Lambda pricing"), so what INIT added is Billed
// Duration less ⌈Duration⌉ and less SnapStart's restore: zero where INIT
// was free, and zero on a line without an Init Duration.
//
// This is fnbench's one rule for INIT billing: the recorder, the run-cost
// analysis and the cost model all use it.
func InitBilled(duration, billed, initDuration, billedRestore time.Duration) time.Duration {
	if initDuration <= 0 {
		return 0
	}
	return max(0, billed-min(billedRestore, billed)-CeilMs(duration))
}

// CeilMs rounds d up to whole milliseconds, as Lambda bills duration.
func CeilMs(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r > 0 {
		d += time.Millisecond - r
	}
	return d
}

// Add sums one invocation into b.
func (b *Billing) Add(inv *Invocation) {
	b.Reports++
	b.BilledMs += inv.Billed.Milliseconds()
	b.DurationNs += int64(inv.Duration)
	if inv.Init > 0 {
		b.Inits++
		b.InitNs += int64(inv.Init)
		b.InitBilledMs += InitBilled(inv.Duration, inv.Billed, inv.Init, inv.BilledRestore).Milliseconds()
	}
	if inv.Proactive {
		b.ProactiveInits++
	}
	if inv.BilledRestore > 0 {
		b.Restores++
		b.RestoreBilledMs += inv.BilledRestore.Milliseconds()
	}
	b.MemoryMB = max(b.MemoryMB, inv.MemoryMB)
	b.MBms += int64(inv.MemoryMB) * inv.Billed.Milliseconds()
	b.MaxMemoryUsedMB = max(b.MaxMemoryUsedMB, inv.MaxMemoryUsedMB)
	switch inv.Status {
	case "error":
		b.FunctionErrors++
	case "timeout":
		b.Timeouts++
	}
}

// InitShareMs is the part of BilledMs that cold starts added, and whether
// it is exact. Runs record it exactly (InitBilledMs, summed by InitBilled);
// runs written before they did carry only the summed Init Duration, which
// is then taken, bounded by what the billed time leaves once every
// Duration and restore is paid for. A nil Billing has no share.
func (b *Billing) InitShareMs() (ms int64, exact bool) {
	if b == nil {
		return 0, true
	}
	if b.InitBilledMs > 0 || b.Inits == 0 {
		return b.InitBilledMs, true
	}
	restore := min(b.RestoreBilledMs, b.BilledMs)
	durationMs := CeilMs(time.Duration(b.DurationNs)).Milliseconds()
	initMs := (b.InitNs + int64(time.Millisecond)/2) / int64(time.Millisecond)
	return min(initMs, max(0, b.BilledMs-restore-durationMs)), false
}
