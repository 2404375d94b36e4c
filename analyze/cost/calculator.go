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
	AlwaysReady            int // azure-flex
	// RPS is the mean request rate (azure-flex): with Requests it gives
	// the period, without it the requests over Hours (or a month).
	RPS float64
	// BusyInstances is azure-flex instances executing for all of Hours:
	// the bill is then exact, as in Microsoft's published example.
	BusyInstances float64
	// PerInstanceConcurrency and Language set azure-flex's requests per
	// instance (0 and "": the default for the instance memory).
	PerInstanceConcurrency int
	Language               string
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
	for _, f := range []float64{c.DurationMs, c.InitMs, c.RestoreMs, c.Hours, c.ColdRate, c.RPS, c.BusyInstances} {
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
	case c.Provider != AzureFlex && (c.BusyInstances > 0 || c.PerInstanceConcurrency != 0 || c.RPS > 0):
		return nil, fmt.Errorf("cost: busy instances, per-instance concurrency and a rate shape azure-flex's execution periods; %s bills per request", c.Provider)
	case c.PerInstanceConcurrency < 0:
		return nil, fmt.Errorf("cost: per-instance concurrency %d is negative", c.PerInstanceConcurrency)
	}
	cfg := Config{
		Provider: c.Provider, Arch: c.Arch, MemoryMB: c.MemoryMB, EphemeralMB: c.EphemeralMB,
		Packaging: c.Packaging, SnapStart: c.SnapStart || c.RestoreMs > 0,
		ProvisionedConcurrency: c.ProvisionedConcurrency, AlwaysReady: c.AlwaysReady,
		Instances: c.Instances, PremiumPlan: c.PremiumPlan, VCPU: c.VCPU,
		Gateway: c.Gateway, PerRequest: c.PerRequest,
		PerInstanceConcurrency: c.PerInstanceConcurrency, Language: c.Language,
	}
	if c.Provider == AzureFlex {
		cfg.MemoryMB = c.InstanceMemoryMB
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}

	w := newWork()
	w.basis = BasisCalculated
	w.requests = ratInt(c.Requests)
	switch {
	case c.Hours > 0:
		w.period = mul(ratFloat(c.Hours), ratInt(3600))
	case c.RPS > 0 && c.Requests > 0:
		w.period = quo(w.requests, ratFloat(c.RPS))
	default:
		w.period, w.periodAssumed = mul(t.HoursPerMonth.Value.rat(), ratInt(3600)), true
	}
	if c.RPS > 0 && c.Requests == 0 {
		w.requests = mul(ratFloat(c.RPS), w.period)
	}
	d, initMs, restoreMs := ratFloat(c.DurationMs), ratFloat(c.InitMs), ratFloat(c.RestoreMs)
	cold := mul(w.requests, ratFloat(c.ColdRate))
	if c.Provider == AzureFlex && c.BusyInstances > 0 {
		// Instances executing the whole period: billed for all of it, at
		// the instance memory (docs/sources.md, "Azure Functions pricing").
		mem, err := t.billedMemoryMB(cfg, w)
		if err != nil {
			return nil, err
		}
		if w.periodAssumed {
			w.notes = append(w.notes, fmt.Sprintf("azure-flex: %s busy instance(s) for one month of %s h (give --hours to change it)", dec(ratFloat(c.BusyInstances)), t.HoursPerMonth.Value))
		}
		w.instances = ratFloat(c.BusyInstances)
		w.sec[kindCompute] = mul(w.instances, w.period)
		w.setMemory(mem)
		w.busy, w.busyFrom = quo(mul(ratFloat(c.BusyInstances), w.period), maxRat(w.requests, ratInt(1))), "the busy instances"
		w.notes = append(w.notes, fmt.Sprintf("azure-flex: %s instance(s) executing for all of %s s: one execution period each, billed whole", dec(ratFloat(c.BusyInstances)), dec(w.period).Human()))
	} else if c.Provider != AzurePremium {
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
		w.busy = quo(add(d, mul(ratFloat(c.ColdRate), add(initMs, restoreMs))), ratInt(1000))
		w.busyFrom = "the given duration"
		if c.Provider == AzureConsumption && c.MemoryMB <= 0 {
			t.consumptionRange(w)
			w.notes = append(w.notes, "range: Consumption bills the memory the process used, 128 MB to 1,536 MB; give --memory-mb for one figure")
		} else {
			mem, err := t.billedMemoryMB(cfg, w)
			if err != nil {
				return nil, err
			}
			w.setMemory(mem)
		}
		if c.Provider == CloudRun {
			w.basis = BasisEstimate // see billCloudRun's note: overlapping requests bill once
		}
		if c.Provider == AzureFlex {
			// One execution per period is the upper end; the executions'
			// time shared by busy instances the lower.
			inFlight := mul(quo(w.requests, w.period), w.busy)
			t.flexRange(w, cfg, mul(w.requests, w.busy), ratInt(poissonPeak(dec(inFlight).Float64())))
			if w.high != nil {
				w.notes = append(w.notes, "range: Flex bills each instance's execution periods, which depend on how executions overlap; give --busy-instances and --hours for one figure")
			}
		}
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
