package cost

import (
	"fmt"
	"math/big"
	"strings"
)

// billConsumption applies the Azure Functions Consumption plan (docs/sources.md,
// "Azure Functions pricing").
// Rounding (1 ms, 100 ms and 128 MB minimums) is already in w.
func (t *Table) billConsumption(b *Breakdown, cfg Config, w *work, o Options) {
	cp := t.Azure.Consumption
	b.metered(newMeter(single(cp.Executions), 0, freeIf(o.FreeTier, cp.FreeExecutions)), w.requests, "executions", nil, "executions", PartRequests)
	b.metered(newMeter(single(cp.ExecutionTime), 0, freeIf(o.FreeTier, cp.FreeGBSeconds)), add(w.gbs[:]...), "execution time", nil, "GB-s", PartCompute)
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

		// Little's law: the mean number of executions in flight is the rate
		// times the time each keeps an instance busy. Always-ready instances
		// take them up to their concurrency; the rest run on demand.
		perInstance, src := t.flexConcurrency(cfg.MemoryMB)
		inFlight := mul(quo(w.requests, period), w.busy)
		share := big.NewRat(1, 1)
		if inFlight.Sign() > 0 {
			share = minRat(share, quo(mul(ready, perInstance), inFlight))
		}
		onDemand = sub(big.NewRat(1, 1), share)
		b.note("azure-flex: %s of executions taken as served by the always-ready instances (%s in flight on average by Little's law, %s per instance: %s)",
			dec(share).Fixed(4), dec(inFlight).Fixed(2), dec(perInstance), src)
		b.flat("executions (always ready)", mul(w.requests, share), "executions", fp.AlwaysReadyExecutions, PartRequests)
		b.flat("execution time (always ready)", mul(gbs, share), "GB-s", fp.AlwaysReadyExecutionTime, PartCompute)
	}
	b.metered(newMeter(single(fp.OnDemandExecutions), 0, freeIf(o.FreeTier, fp.FreeExecutions)), mul(w.requests, onDemand), "executions", []string{"on demand"}, "executions", PartRequests)
	b.metered(newMeter(single(fp.OnDemandExecutionTime), 0, freeIf(o.FreeTier, fp.FreeGBSeconds)), mul(gbs, onDemand), "execution time", []string{"on demand"}, "GB-s", PartCompute)
	b.note("azure-flex: execution time summed per request; Flex bills instance time while executing, so overlapping executions on one instance make this an upper bound")
	return nil
}

// flexConcurrency is the HTTP requests one Flex instance of memoryMB serves
// at once, and where that figure comes from; 1 where the table is silent.
func (t *Table) flexConcurrency(memoryMB int) (*big.Rat, string) {
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
