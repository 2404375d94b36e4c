package cost

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/fnbench/fnbench/internal/platform"
)

// billConsumption applies the Azure Functions Consumption plan (docs/sources.md,
// "Azure Functions pricing").
// Rounding (1 ms, 100 ms and 128 MB minimums) is already in w.
func (t *Table) billConsumption(b *Breakdown, cfg Config, w *work, o Options) {
	cp := t.Azure.Consumption
	b.metered(newMeter(single(cp.Executions), 0, freeIf(o.FreeTier, cp.FreeExecutions)), w.requests, "executions", nil, "executions", PartRequests)
	b.metered(newMeter(single(cp.ExecutionTime), 0, freeIf(o.FreeTier, cp.FreeGBSeconds)), add(w.gbs[:]...), "execution time", nil, "GB-s", PartCompute)
}

// markerWork measures a target's usage from what its function reported per
// execution (rundir.MarkerBilling): Lambda's billed durations at the
// configured memory, Consumption's per-execution billed time at the memory
// each reported, or Flex's execution periods at the configured instance
// memory. Executions timed by the client, not by the function, make it an
// estimate; Consumption executions that reported no memory make it a
// range.
func (t *Table) markerWork(cfg Config, u Usage, w *work) error {
	a := u.Markers
	if a.Executions < 0 || a.Timed < 0 || a.Timed > a.Executions || a.WithMemory < 0 || a.WithMemory > a.Executions ||
		a.BilledMs < 0 || a.MBms < 0 || a.Periods < 0 || a.PeriodBilledMs < 0 || a.PeriodActiveMs < 0 {
		return fmt.Errorf("cost: the Azure usage is inconsistent: %+v", *a)
	}
	if u.Requests == 0 {
		w.requests = ratInt(a.Executions)
	}
	w.basis = BasisMarkers
	if a.Timed < a.Executions {
		w.basis = BasisEstimate
		w.notes = append(w.notes, fmt.Sprintf("estimate: %d of %d executions did not report their execution time (no Fnbench-Duration-Ms marker) and are timed from the request's send to the response's first byte, which includes the network", a.Executions-a.Timed, a.Executions))
	}
	switch cfg.Provider {
	case AWSLambda:
		// Lambda's rules: ⌈duration + INIT on a cold start⌉ to 1 ms at the
		// configured memory (docs/sources.md, "AWS Lambda pricing").
		if a.LambdaInitMs < 0 || a.LambdaInitMs > a.LambdaBilledMs {
			return fmt.Errorf("cost: the Lambda usage is inconsistent: %d ms billed, of which INIT %d ms", a.LambdaBilledMs, a.LambdaInitMs)
		}
		mem, err := t.billedMemoryMB(cfg, w)
		if err != nil {
			return err
		}
		w.sec[kindCompute] = ratFrac(a.LambdaBilledMs-a.LambdaInitMs, 1000)
		w.sec[kindInit] = ratFrac(a.LambdaInitMs, 1000)
		w.setMemory(mem)
		w.notes = append(w.notes, "aws-lambda: billed durations computed from the function's markers (execution time, and init time on a cold start), by Lambda's rules: no REPORT line reached fnbench")
	case AzureFlex:
		mem, err := t.billedMemoryMB(cfg, w)
		if err != nil {
			return err
		}
		w.sec[kindCompute] = ratFrac(a.PeriodBilledMs, 1000)
		w.setMemory(mem)
		w.notes = append(w.notes, fmt.Sprintf("azure-flex: %d executions on their instances made %d execution periods, %s s active, billed %s s (at least 1,000 ms each, then 100 ms steps; docs/sources.md, \"Azure Functions pricing\")",
			a.Executions, a.Periods, dec(ratFrac(a.PeriodActiveMs, 1000)).Human(), dec(ratFrac(a.PeriodBilledMs, 1000)).Human()))
	default: // AzureConsumption
		w.sec[kindCompute] = ratFrac(a.BilledMs, 1000)
		known := ratFrac(a.MBms, 1_024_000) // MB-ms / 1,024,000 = GB-s
		missing := a.Executions - a.WithMemory
		if missing == 0 {
			w.gbs[kindCompute] = known
			break
		}
		// The executions that reported no memory: their share of the time.
		rest := quo(mul(ratFrac(a.BilledMs, 1000), ratInt(missing)), ratInt(a.Executions))
		if cfg.MemoryMB > 0 {
			mem, err := t.billedMemoryMB(cfg, w)
			if err != nil {
				return err
			}
			w.gbs[kindCompute] = add(known, mul(rest, ratFrac(mem, 1024)))
			w.basis = BasisEstimate
			w.notes = append(w.notes, fmt.Sprintf("estimate: %d of %d executions reported no memory (no Fnbench-Memory-Mb marker); they are billed at the configured %d MB", missing, a.Executions, cfg.MemoryMB))
			break
		}
		w.gbs[kindCompute] = add(known, mul(rest, ratFrac(platform.ConsumptionMemoryStepMB, 1024)))
		h := w.toRange()
		h.gbs[kindCompute] = add(known, mul(rest, ratFrac(platform.ConsumptionMaxMemoryMB, 1024)))
		w.notes = append(w.notes, fmt.Sprintf("range: %d of %d executions reported no memory (no Fnbench-Memory-Mb marker); Consumption bills what the process used, 128 MB to 1,536 MB", missing, a.Executions))
	}
	return nil
}

// consumptionRange prices w's time at Consumption's least and greatest
// billed memory, 128 MB and 1,536 MB, when the memory used is unknown.
func (t *Table) consumptionRange(w *work) {
	w.setMemory(platform.ConsumptionMemoryStepMB)
	h := w.toRange()
	h.setMemory(platform.ConsumptionMaxMemoryMB)
}

// flexRange makes w a range when Flex's execution periods are unknown
// (docs/sources.md, "Azure Functions pricing"). w holds the executions
// billed one period each (at least 1,000 ms, then 100 ms steps) at the
// instance memory. The lower end: the executions' rawSec seconds shared by
// instances that each run C at once (the per-instance concurrency) and are
// never idle, with no minimum: Little's law. The upper end: one period per
// execution, but no more than the instances the load needed, ⌈peak in
// flight / C⌉, busy for the whole period.
func (t *Table) flexRange(w *work, cfg Config, rawSec, peakInFlight *big.Rat) {
	c, src := t.flexConcurrency(cfg)
	perExec := w.sec[kindCompute]
	basis := w.basis
	h := w.toRange()
	w.sec[kindCompute] = quo(rawSec, c)
	w.setMemory(w.memoryMB)
	capped := false
	if peakInFlight.Sign() > 0 && w.period.Sign() > 0 {
		busiest := mul(ceilRat(quo(peakInFlight, c)), w.period)
		if busiest.Cmp(perExec) < 0 {
			capped = true
			h.sec[kindCompute] = busiest
			w.notes = append(w.notes, fmt.Sprintf("azure-flex upper end: %s instance(s) (⌈%s in flight at the peak / %s per instance⌉) executing for the whole %s s, less than one period per execution",
				dec(ceilRat(quo(peakInFlight, c))), dec(peakInFlight).Human(), dec(c), dec(w.period).Human()))
		}
	}
	h.setMemory(h.memoryMB)
	if h.sec[kindCompute].Cmp(w.sec[kindCompute]) <= 0 {
		// The load keeps its instances busy all the time: the ends meet.
		w.high, w.basis, w.sec[kindCompute] = nil, basis, h.sec[kindCompute]
		w.setMemory(w.memoryMB)
		if capped {
			w.notes = w.notes[:len(w.notes)-1] // the upper end's note: the ends meet instead
		}
		w.notes = append(w.notes, fmt.Sprintf("azure-flex: the load keeps ⌈%s in flight at the peak / %s per instance⌉ = %s instance(s) executing for the whole %s s",
			dec(peakInFlight).Human(), dec(c), dec(ceilRat(quo(peakInFlight, c))), dec(w.period).Human()))
		return
	}
	w.notes = append(w.notes, fmt.Sprintf("azure-flex lower end: the executions' time shared by instances serving %s at once (%s), never idle; upper end: each execution its own period of at least 1,000 ms", dec(c), src))
}

// poissonPeak is the requests in flight that a mean of mean, with Poisson
// arrivals, stays at or under 99.9% of the time: what the instances of a
// steady load are sized for when only the mean is known.
func poissonPeak(mean float64) int64 {
	if mean <= 0 {
		return 0
	}
	if mean > 500 { // the normal approximation: z(0.999) = 3.09
		return int64(math.Ceil(mean + 3.09*math.Sqrt(mean)))
	}
	p := math.Exp(-mean)
	cum := p
	k := int64(0)
	for cum < 0.999 {
		k++
		p *= mean / float64(k)
		cum += p
	}
	return max(k, 1)
}

// billFlex applies Flex Consumption (docs/sources.md, "Azure Functions
// pricing"): always-ready instances (a baseline for being up, plus their
// executions) and on-demand executions with the free grant. Rounding
// (1,000 ms minimum, 100 ms steps) is in w.
func (t *Table) billFlex(b *Breakdown, cfg Config, w *work, o Options) error {
	fp := t.Azure.Flex
	gbs := add(w.gbs[:]...)
	onDemand := big.NewRat(1, 1) // share of executions on on-demand instances
	if cfg.AlwaysReady > 0 {
		period, err := t.periodFor(b, w, "always-ready instances")
		if err != nil {
			return err
		}
		ready := ratInt(int64(cfg.AlwaysReady))
		b.flat("always-ready baseline", mul(ready, ratFrac(int64(cfg.MemoryMB), 1024), period), "GB-s", fp.AlwaysReadyBaseline, PartCompute)

		share := big.NewRat(1, 1)
		if w.instances != nil {
			// Busy instances: the always-ready ones are among them.
			if w.instances.Sign() > 0 {
				share = minRat(share, quo(ready, w.instances))
			}
			b.note("azure-flex: %s of the executing time taken as on the always-ready instances (%s of %s busy instances)", dec(share).Fixed(4), dec(minRat(ready, w.instances)), dec(w.instances))
		} else {
			// Little's law: the mean number of executions in flight is the
			// rate times the time each keeps an instance busy. Always-ready
			// instances take them up to their concurrency; the rest run on
			// demand.
			perInstance, src := t.flexConcurrency(cfg)
			inFlight := mul(quo(w.requests, period), w.busy)
			if inFlight.Sign() > 0 {
				share = minRat(share, quo(mul(ready, perInstance), inFlight))
			}
			b.note("azure-flex: %s of executions taken as served by the always-ready instances (%s in flight on average by Little's law, %s per instance: %s)",
				dec(share).Fixed(4), dec(inFlight).Fixed(2), dec(perInstance), src)
		}
		onDemand = sub(big.NewRat(1, 1), share)
		b.flat("executions (always ready)", mul(w.requests, share), "executions", fp.AlwaysReadyExecutions, PartRequests)
		b.flat("execution time (always ready)", mul(gbs, share), "GB-s", fp.AlwaysReadyExecutionTime, PartCompute)
	}
	b.metered(newMeter(single(fp.OnDemandExecutions), 0, freeIf(o.FreeTier, fp.FreeExecutions)), mul(w.requests, onDemand), "executions", []string{"on demand"}, "executions", PartRequests)
	b.metered(newMeter(single(fp.OnDemandExecutionTime), 0, freeIf(o.FreeTier, fp.FreeGBSeconds)), mul(gbs, onDemand), "execution time", []string{"on demand"}, "GB-s", PartCompute)
	return nil
}

// flexConcurrency is the HTTP requests one Flex instance of cfg serves at
// once, and where that figure comes from: the configured concurrency, else
// Azure's default for the language and instance memory; 1 where the table
// is silent.
func (t *Table) flexConcurrency(cfg Config) (*big.Rat, string) {
	memoryMB := cfg.MemoryMB
	if cfg.PerInstanceConcurrency > 0 {
		return ratInt(int64(cfg.PerInstanceConcurrency)), "the configured per-instance concurrency"
	}
	if strings.EqualFold(cfg.Language, "python") {
		if q := t.Azure.Flex.PythonConcurrency; q.Value.Known() && q.Value.Sign() > 0 {
			return q.Value.Rat(), q.Source
		}
	}
	for _, c := range t.Azure.Flex.InstanceConcurrency {
		if c.MemoryMB == int64(memoryMB) && c.Requests.Known() && c.Requests.Sign() > 0 {
			return c.Requests.Rat(), c.Source
		}
		if c.MemoryMB == int64(memoryMB) {
			return ratInt(1), c.Source
		}
	}
	return ratInt(1), fmt.Sprintf("no figure for %d MB instances; 1 assumed", memoryMB)
}

// billPremium applies the Premium plan (docs/sources.md, "Azure Functions
// pricing"): instance-hours by the plan's vCPUs and memory, at least one
// instance, nothing per execution.
func (t *Table) billPremium(b *Breakdown, cfg Config, w *work) error {
	pp := t.Azure.Premium
	name := premiumPlanName(cfg)
	var plan *PremiumPlan
	var names []string
	for i := range pp.Plans {
		names = append(names, pp.Plans[i].Name)
		if strings.EqualFold(pp.Plans[i].Name, name) {
			plan = &pp.Plans[i]
		}
	}
	if plan == nil {
		return fmt.Errorf("cost: Premium plan %q is not in the price table (it has %s; docs/sources.md gives EP1 only): add it in a --pricing file", name, strings.Join(names, ", "))
	}
	period, err := t.periodFor(b, w, "Premium instances")
	if err != nil {
		return err
	}
	instances := maxRat(ratInt(int64(cfg.Instances)), pp.MinInstances.Value.rat())
	hours := quo(period, ratInt(3600))
	b.flat(fmt.Sprintf("Premium %s vCPU", plan.Name), mul(instances, plan.VCPU.rat(), hours), "vCPU-hours", pp.VCPUHour, PartCompute)
	b.flat(fmt.Sprintf("Premium %s memory", plan.Name), mul(instances, plan.MemoryGB.rat(), hours), "GB-hours", pp.GBHour, PartCompute)
	b.note("azure-premium: %s instance(s) billed by the hour, at least %s always (docs/sources.md, \"Azure Functions pricing\"); no per-execution charge", dec(instances), pp.MinInstances.Value)
	return nil
}
