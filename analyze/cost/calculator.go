package cost

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Calculator is the input of `fnbench cost` without a run: a function's
// configuration and a mean request, priced for a number of requests. Each
// field mirrors a flag; fields that do not apply to the Provider must be
// left zero.
type Calculator struct {
	Provider Provider
	Arch     Arch // aws-lambda
	// MemoryMB is aws-lambda's configured memory, azure-consumption's
	// observed memory use, or gcp-cloud-run's memory limit.
	MemoryMB int
	// InstanceMemoryMB is azure-flex's instance memory: 512, 2048 or 4096.
	InstanceMemoryMB int
	// DurationMs is one request's execution time (Lambda's Duration), before
	// the provider's rounding, which is applied to it per request.
	DurationMs float64
	Requests   int64
	// InitMs is a cold start's INIT duration and ColdRate the share of
	// requests that are cold (0..1). Lambda bills INIT by Date (docs/sources.md,
	// "AWS Lambda pricing");
	// the other providers do not bill it.
	InitMs   float64
	ColdRate float64
	// RestoreMs is a SnapStart cold start's restore time, billed rounded up
	// to whole ms as Billed Restore Duration. It implies SnapStart.
	RestoreMs float64
	Packaging Packaging
	SnapStart bool
	Gateway   Gateway
	// RequestBytes is the request size, for HTTP API 512 KB metering.
	RequestBytes           int64
	EphemeralMB            int
	ProvisionedConcurrency int
	AlwaysReady            int     // azure-flex
	Instances              int     // azure-premium
	PremiumPlan            string  // azure-premium, default EP1
	VCPU                   float64 // gcp-cloud-run, default 1
	// Hours is the wall-clock time hourly charges are billed for; zero means
	// one month (the table's hours_per_month).
	Hours      float64
	PerRequest PerRequest
	// Date is the day billed; it decides Lambda INIT billing. Zero means
	// the table's date.
	Date       time.Time
	FreeTier   bool
	NewAccount bool
}

// Calculate prices c: marginal unless c.FreeTier, tiers walked from the
// start of a month.
func (t *Table) Calculate(c Calculator) (*Breakdown, error) {
	for _, f := range []float64{c.DurationMs, c.InitMs, c.RestoreMs, c.Hours, c.ColdRate} {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("cost: %v is not a usable duration, rate or number of hours", f)
		}
	}
	switch {
	case c.ColdRate > 1:
		return nil, fmt.Errorf("cost: cold rate %v is above 1; it is the share of requests that are cold", c.ColdRate)
	case c.Requests < 0:
		return nil, fmt.Errorf("cost: %d requests", c.Requests)
	case c.InitMs > 0 && c.RestoreMs > 0:
		return nil, errors.New("cost: a cold start is an INIT or, with SnapStart, a restore; give init or restore time, not both")
	case c.Provider == AzureFlex && c.MemoryMB != 0:
		return nil, errors.New("cost: azure-flex bills its configured instance memory: give the instance memory (512, 2048 or 4096 MB), not the memory used")
	case c.Provider != AzureFlex && c.InstanceMemoryMB != 0:
		return nil, fmt.Errorf("cost: instance memory is azure-flex's; %s takes the memory size", c.Provider)
	}
	cfg := Config{
		Provider: c.Provider, Arch: c.Arch, MemoryMB: c.MemoryMB, EphemeralMB: c.EphemeralMB,
		Packaging: c.Packaging, SnapStart: c.SnapStart || c.RestoreMs > 0,
		ProvisionedConcurrency: c.ProvisionedConcurrency, AlwaysReady: c.AlwaysReady,
		Instances: c.Instances, PremiumPlan: c.PremiumPlan, VCPU: c.VCPU,
		Gateway: c.Gateway, PerRequest: c.PerRequest,
	}
	if c.Provider == AzureFlex {
		cfg.MemoryMB = c.InstanceMemoryMB
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}

	w := newWork()
	w.requests = ratInt(c.Requests)
	if c.Hours > 0 {
		w.period = mul(ratFloat(c.Hours), ratInt(3600))
	} else {
		w.period, w.periodAssumed = mul(t.HoursPerMonth.Value.rat(), ratInt(3600)), true
	}
	d, initMs, restoreMs := ratFloat(c.DurationMs), ratFloat(c.InitMs), ratFloat(c.RestoreMs)
	cold := mul(w.requests, ratFloat(c.ColdRate))
	if c.Provider != AzurePremium {
		w.sec[kindCompute] = quo(mul(w.requests, roundedMs(c.Provider, d)), ratInt(1000))
		if c.Provider == AWSLambda {
			day := c.Date
			if day.IsZero() {
				day = t.Date
			}
			billed := t.initBilled(day, c.Packaging)
			initPart, restorePart := lambdaColdMs(d, initMs, restoreMs, billed)
			w.sec[kindInit] = quo(mul(cold, initPart), ratInt(1000))
			w.sec[kindRestore] = quo(mul(cold, restorePart), ratInt(1000))
			if initMs.Sign() > 0 && cold.Sign() > 0 {
				if billed {
					w.notes = append(w.notes, fmt.Sprintf("INIT billed on %s: billed duration of a cold start is ceil(duration + init) (docs/sources.md, \"AWS Lambda pricing\")", day.Format(time.DateOnly)))
				} else {
					w.notes = append(w.notes, fmt.Sprintf("INIT free on %s: a ZIP function on a managed runtime before %s (docs/sources.md, \"AWS Lambda pricing\")", day.Format(time.DateOnly), t.Lambda.InitBilledFrom.Date.Format(time.DateOnly)))
				}
			}
		} else if (initMs.Sign() > 0 || restoreMs.Sign() > 0) && cold.Sign() > 0 {
			w.notes = append(w.notes, fmt.Sprintf("%s: cold-start time not billed; no public source gives a rule that bills it", c.Provider))
		}
		mem, err := t.billedMemoryMB(cfg, w)
		if err != nil {
			return nil, err
		}
		w.setMemory(mem)
		w.busy = quo(add(d, mul(ratFloat(c.ColdRate), add(initMs, restoreMs))), ratInt(1000))
		w.busyFrom = "the given duration"
	}
	var sizes []SizeBucket
	if c.RequestBytes > 0 {
		sizes = []SizeBucket{{Bytes: c.RequestBytes, Count: c.Requests}}
	}
	units, err := t.gatewayUnits(cfg.Gateway, w.requests, sizes)
	if err != nil {
		return nil, err
	}
	w.units = units
	return t.bill(cfg, w, Options{FreeTier: c.FreeTier, NewAccount: c.NewAccount})
}
