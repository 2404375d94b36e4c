package cost

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/fnbench/fnbench/internal/platform"
)

// Billed time splits into three kinds, billed at the same rate but reported
// apart.
const (
	kindCompute = iota
	kindInit
	kindRestore
	nKinds
)

// work is usage reduced to exact billed quantities: what every provider's
// price list is applied to.
type work struct {
	requests *big.Rat
	sec      [nKinds]*big.Rat // billed seconds
	gbs      [nKinds]*big.Rat // billed GB-seconds (GiB for Cloud Run)
	memoryMB int64            // memory billed per request, when one figure
	units    *big.Rat         // API Gateway metered requests
	period   *big.Rat         // seconds of wall-clock time, for hourly charges
	// periodAssumed is set when period is a default month, not a measure.
	periodAssumed bool
	busy          *big.Rat // mean seconds a request occupies an instance
	busyFrom      string
	// instances is how many Flex instances were busy for the whole period,
	// when that is the measure (Calculator.BusyInstances); nil otherwise.
	instances *big.Rat
	basis     Basis
	notes     []string
	// high is the upper end when the evidence leaves a range (BasisRange):
	// the same usage with the least favourable billed quantities.
	high *work
}

// toRange makes w the lower end of a range and returns a copy of it to be
// made the upper end.
func (w *work) toRange() *work {
	h := *w
	h.notes = nil
	w.basis, h.basis = BasisRange, BasisRange
	w.high = &h
	return &h
}

func newWork() *work {
	w := &work{requests: new(big.Rat), units: new(big.Rat), period: new(big.Rat), busy: new(big.Rat)}
	for k := range nKinds {
		w.sec[k], w.gbs[k] = new(big.Rat), new(big.Rat)
	}
	return w
}

func (w *work) totalSec() *big.Rat { return add(w.sec[:]...) }

// setMemory fills gbs from sec at memoryMB (GB = 1,024 MB).
func (w *work) setMemory(memoryMB int64) {
	w.memoryMB = memoryMB
	for k := range nKinds {
		w.gbs[k] = mul(w.sec[k], ratFrac(memoryMB, 1024))
	}
}

// scale multiplies every usage quantity by k (a projection).
func (w *work) scale(k *big.Rat) {
	w.requests = mul(w.requests, k)
	w.units = mul(w.units, k)
	for i := range nKinds {
		w.sec[i], w.gbs[i] = mul(w.sec[i], k), mul(w.gbs[i], k)
	}
	if w.high != nil {
		w.high.scale(k)
	}
}

// Price bills a target's usage with its provider's rules, marginal unless
// o.FreeTier. With measured billing the bill is exact; from latency it is an
// upper bound, and says so.
func (t *Table) Price(cfg Config, u Usage, o Options) (*Breakdown, error) {
	w, err := t.workFromUsage(cfg, u)
	if err != nil {
		return nil, err
	}
	return t.bill(cfg, w, o)
}

// workFromUsage measures u in billed units.
func (t *Table) workFromUsage(cfg Config, u Usage) (*work, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	w := newWork()
	var latencyCount int64
	var lat big.Rat
	for _, b := range u.Latency {
		if b.Count < 0 || b.Latency < 0 {
			return nil, fmt.Errorf("cost: latency bucket %v × %d is negative", b.Latency, b.Count)
		}
		latencyCount += b.Count
		lat.Add(&lat, mul(ratInt(int64(b.Latency)), ratInt(b.Count)))
	}
	if u.Requests < 0 {
		return nil, fmt.Errorf("cost: %d requests", u.Requests)
	}
	switch {
	case u.Requests > 0:
		w.requests = ratInt(u.Requests)
	case u.Billed != nil:
		w.requests = ratInt(u.Billed.Invocations)
	default:
		w.requests = ratInt(latencyCount)
	}
	w.period = quo(ratInt(int64(u.Period)), ratInt(int64(time.Second)))
	meanLatency := quo(&lat, mul(ratInt(latencyCount), ratInt(int64(time.Second))))

	switch {
	case cfg.Provider == AzurePremium:
		// Instance-hours only: no per-execution measure is needed.
	case u.Markers != nil && u.Markers.Executions > 0 && cfg.Provider != AzurePremium && cfg.Provider != CloudRun:
		if err := t.markerWork(cfg, u, w); err != nil {
			return nil, err
		}
		if latencyCount > 0 {
			w.busy, w.busyFrom = meanLatency, "client latency"
		}
	case u.Billed != nil:
		b := u.Billed
		if b.DurationMs < 0 || b.InitMs < 0 || b.RestoreMs < 0 || b.MBms < 0 || b.InitMs+b.RestoreMs > b.DurationMs {
			return nil, fmt.Errorf("cost: billed usage is inconsistent: %d ms billed, of which INIT %d ms and restore %d ms, %d MB-ms", b.DurationMs, b.InitMs, b.RestoreMs, b.MBms)
		}
		ms := [nKinds]int64{b.DurationMs - b.InitMs - b.RestoreMs, b.InitMs, b.RestoreMs}
		for k := range nKinds {
			w.sec[k] = ratFrac(ms[k], 1000)
		}
		w.basis = BasisBilling
		if b.MBms > 0 {
			// Memory may differ per request (Azure bills observed memory):
			// share the measured MB-ms out in proportion to the time.
			gbs := ratFrac(b.MBms, 1_024_000) // MB-ms / 1,024,000 = GB-s ("Azure Functions pricing")
			for k := range nKinds {
				w.gbs[k] = quo(mul(gbs, ratInt(ms[k])), ratInt(b.DurationMs))
			}
		} else {
			mem, err := t.billedMemoryMB(cfg, w)
			if err != nil {
				return nil, err
			}
			w.setMemory(mem)
		}
		w.busy, w.busyFrom = quo(w.totalSec(), w.requests), "billed duration"
		if cfg.Provider != AWSLambda && latencyCount > 0 {
			// Azure's minimums inflate billed time; client latency is closer
			// to how long an instance is busy.
			w.busy, w.busyFrom = meanLatency, "client latency"
		}
	case latencyCount > 0:
		w.basis = BasisEstimate
		total := new(big.Rat)
		for _, b := range u.Latency {
			total.Add(total, mul(roundedMs(cfg.Provider, ratFrac(int64(b.Latency), int64(time.Millisecond))), ratInt(b.Count)))
		}
		w.sec[kindCompute] = quo(total, ratInt(1000))
		w.busy, w.busyFrom = meanLatency, "client latency"
		switch {
		case cfg.Provider == AzureFlex:
			// No instance identity: the executions' periods are not known.
			mem, err := t.billedMemoryMB(cfg, w)
			if err != nil {
				return nil, err
			}
			w.setMemory(mem)
			t.flexRange(w, cfg, mul(meanLatency, w.requests), ratInt(u.PeakInFlight))
			w.notes = append(w.notes, "no instance named its executions (no Fnbench-Instance marker), so Flex's execution periods are not known; client latency, which includes the network, stands for execution time")
		case cfg.Provider == AzureConsumption && cfg.MemoryMB <= 0:
			t.consumptionRange(w)
			w.notes = append(w.notes, "range: no execution reported its memory (no Fnbench-Memory-Mb marker) and none is configured; "+roundingRule(cfg.Provider)+" applied to client latency, which includes the network")
		default:
			mem, err := t.billedMemoryMB(cfg, w)
			if err != nil {
				return nil, err
			}
			w.setMemory(mem)
			w.notes = append(w.notes, "estimate: "+roundingRule(cfg.Provider)+" applied to client latency, which includes the network and any queueing, and INIT is not told apart from compute: an upper bound")
		}
	default:
		return nil, errors.New("cost: the usage has neither billed durations nor client latencies; nothing to price")
	}
	units, err := t.gatewayUnits(cfg.Gateway, w.requests, u.Sizes)
	if err != nil {
		return nil, err
	}
	w.units = units
	return w, nil
}

// roundedMs is the billed milliseconds of a request that took ms, by the
// provider's rounding and minimum.
func roundedMs(p Provider, ms *big.Rat) *big.Rat {
	switch p {
	case AzureConsumption:
		// Time rounded up to 1 ms, minimum 100 ms per execution (docs/sources.md,
		// "Azure Functions pricing").
		return maxRat(ceilRat(ms), ratInt(100))
	case AzureFlex:
		// Minimum billable execution 1,000 ms, then 100 ms steps (docs/sources.md,
		// "Azure Functions pricing").
		return maxRat(ceilTo(ms, ratInt(100)), ratInt(1000))
	case CloudRun:
		// Rounded up to 100 ms (docs/sources.md, "Google Cloud Run").
		return maxRat(ceilTo(ms, ratInt(100)), ratInt(100))
	}
	// Lambda duration is rounded up to the nearest 1 ms (docs/sources.md,
	// "AWS Lambda pricing").
	return maxRat(ceilRat(ms), ratInt(1))
}

func roundingRule(p Provider) string {
	switch p {
	case AzureConsumption:
		return "Azure Consumption's 1 ms rounding, 100 ms minimum and memory rounded up to 128 MB"
	case AzureFlex:
		return "Flex Consumption's 1,000 ms minimum and 100 ms steps"
	case CloudRun:
		return "Cloud Run's 100 ms rounding"
	}
	return "Lambda's 1 ms rounding"
}

// billedMemoryMB is the memory a provider bills each request at.
func (t *Table) billedMemoryMB(cfg Config, w *work) (int64, error) {
	mb := int64(cfg.MemoryMB)
	switch cfg.Provider {
	case AWSLambda:
		if err := checkLambdaMemory(cfg.MemoryMB); err != nil {
			return 0, err
		}
		return mb, nil
	case AzureConsumption:
		// Observed memory rounded up to 128 MB, 128 MB minimum,
		// 1,536 MB maximum (docs/sources.md, "Azure Functions pricing").
		// Unknown memory is a range (consumptionRange), never the maximum
		// alone; callers check first.
		if mb <= 0 {
			return 0, errors.New("cost: azure-consumption: the memory used is unknown; give it, or price the range")
		}
		if mb > platform.ConsumptionMaxMemoryMB {
			w.notes = append(w.notes, fmt.Sprintf("azure-consumption: observed memory %d MB is above the 1,536 MB Consumption bills at most", mb))
		}
		return int64(platform.ConsumptionMemoryMB(int(mb))), nil
	case AzureFlex:
		// Billed on the configured instance memory (docs/sources.md, "Azure
		// Functions pricing").
		var sizes []string
		for _, q := range t.Azure.Flex.InstanceMemoryMB {
			if q.Value.Cmp(dec(ratInt(mb))) == 0 {
				return mb, nil
			}
			sizes = append(sizes, q.Value.String())
		}
		return 0, fmt.Errorf("cost: azure-flex instance memory %d MB is not one of the Flex sizes (%v MB)", mb, sizes)
	case CloudRun:
		if mb <= 0 {
			return 0, errors.New("cost: gcp-cloud-run needs its memory limit (MemoryMB)")
		}
		return mb, nil
	}
	return 0, nil
}

// gatewayUnits is the metered API Gateway requests: HTTP APIs meter in
// 512 KB increments (docs/sources.md, "Amazon API Gateway pricing"), REST APIs per request.
func (t *Table) gatewayUnits(g Gateway, requests *big.Rat, sizes []SizeBucket) (*big.Rat, error) {
	if g != HTTPAPI {
		return new(big.Rat).Set(requests), nil
	}
	step := t.APIGateway.HTTPAPIMeterBytes.Value.rat()
	if step.Sign() <= 0 {
		return new(big.Rat).Set(requests), nil
	}
	units, covered := new(big.Rat), new(big.Rat)
	for _, s := range sizes {
		if s.Count < 0 || s.Bytes < 0 {
			return nil, fmt.Errorf("cost: size bucket %d B × %d is negative", s.Bytes, s.Count)
		}
		per := maxRat(ceilRat(quo(ratInt(s.Bytes), step)), ratInt(1))
		units.Add(units, mul(per, ratInt(s.Count)))
		covered.Add(covered, ratInt(s.Count))
	}
	if rest := sub(requests, covered); rest.Sign() > 0 {
		units.Add(units, rest)
	}
	return units, nil
}

func checkConfig(cfg Config) error {
	switch cfg.Provider {
	case AWSLambda, AzureConsumption, AzureFlex, AzurePremium, CloudRun:
	default:
		return fmt.Errorf("cost: provider %q is not known; use one of %s", cfg.Provider, joinProviders())
	}
	if _, err := ParseArch(string(cfg.Arch)); err != nil {
		return fmt.Errorf("cost: %w", err)
	}
	if _, err := ParseGateway(string(cfg.Gateway)); err != nil {
		return fmt.Errorf("cost: %w", err)
	}
	if _, err := ParsePackaging(string(cfg.Packaging)); err != nil {
		return fmt.Errorf("cost: %w", err)
	}
	if cfg.EphemeralMB < 0 || cfg.ProvisionedConcurrency < 0 || cfg.AlwaysReady < 0 || cfg.Instances < 0 {
		return errors.New("cost: ephemeral storage, provisioned concurrency, always-ready and instance counts are zero or more")
	}
	for _, f := range []float64{cfg.VCPU, cfg.PerRequest.DynamoDBReadUnits, cfg.PerRequest.DynamoDBWriteUnits, cfg.PerRequest.CosmosDBRUs, cfg.PerRequest.EventGridOps} {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("cost: %v is not a usable count (vCPUs, database units per request)", f)
		}
	}
	return nil
}

// bill prices w for cfg's provider.
func (t *Table) bill(cfg Config, w *work, o Options) (*Breakdown, error) {
	b := &Breakdown{
		Provider: cfg.Provider, Target: describeConfig(cfg, w), Pricing: t.Ref(),
		Basis: w.basis, Estimate: w.basis == BasisEstimate || w.basis == BasisRange,
		FreeTier: o.FreeTier, Requests: dec(w.requests),
	}
	for _, n := range w.notes {
		b.note("%s", n)
	}
	var err error
	switch cfg.Provider {
	case AWSLambda:
		err = t.billLambda(b, cfg, w, o)
	case AzureConsumption:
		t.billConsumption(b, cfg, w, o)
	case AzureFlex:
		err = t.billFlex(b, cfg, w, o)
	case AzurePremium:
		err = t.billPremium(b, cfg, w)
	case CloudRun:
		t.billCloudRun(b, cfg, w, o)
	}
	if err != nil {
		return nil, err
	}
	t.billGateway(b, cfg, w, o)
	t.billDatabases(b, cfg, w, o)
	b.finish()
	if w.high != nil {
		h := *w.high
		h.high = nil
		if b.High, err = t.bill(cfg, &h, o); err != nil {
			return nil, err
		}
		b.High.Notes = nil // the lower end's notes say it all
	}
	return b, nil
}

// freeIf is the allowance when the free tier applies, else nil.
func freeIf(on bool, q Quantity) *big.Rat {
	if !on || !q.Value.Known() {
		return nil
	}
	return q.Value.rat()
}

// periodFor returns the period hourly charges are billed for, noting an
// assumed month.
func (t *Table) periodFor(b *Breakdown, w *work, what string) (*big.Rat, error) {
	if w.period.Sign() <= 0 {
		return nil, fmt.Errorf("cost: %s: billed by the hour they are kept, but the usage gives no period", what)
	}
	if w.periodAssumed {
		b.note("%s: billed for one month of %s h (hours_per_month; give the hours to change it)", what, t.HoursPerMonth.Value)
	}
	return w.period, nil
}

func (t *Table) billGateway(b *Breakdown, cfg Config, w *work, o Options) {
	g := t.APIGateway
	switch cfg.Gateway {
	case NoGateway:
		return
	case FunctionURL:
		b.note("function URL: no charge beyond the function's own (docs/sources.md, \"AWS Lambda pricing\")")
		return
	}
	if o.NewAccount && !o.FreeTier {
		b.note("new-account free tier ignored: it needs the free tier on")
	}
	free := freeIf(o.FreeTier && o.NewAccount, g.FreeRequests)
	tiers, item := g.RESTAPI, "API Gateway REST API"
	if cfg.Gateway == HTTPAPI {
		tiers, item = g.HTTPAPI, "API Gateway HTTP API"
		if w.units.Cmp(w.requests) != 0 {
			b.note("API Gateway HTTP API: %s requests metered as %s in %s-byte increments", dec(w.requests), dec(w.units), g.HTTPAPIMeterBytes.Value)
		}
	}
	b.metered(newMeter(tiers, o.Prior.GatewayRequests, free), w.units, item, nil, "requests", PartGateway)
}

func (t *Table) billDatabases(b *Breakdown, cfg Config, w *work, o Options) {
	pr := cfg.PerRequest
	b.flat("DynamoDB reads", mul(ratFloat(pr.DynamoDBReadUnits), w.requests), "read request units", t.DynamoDB.ReadRequestUnits, PartDatabase)
	b.flat("DynamoDB writes", mul(ratFloat(pr.DynamoDBWriteUnits), w.requests), "write request units", t.DynamoDB.WriteRequestUnits, PartDatabase)
	b.flat("Cosmos DB serverless", mul(ratFloat(pr.CosmosDBRUs), w.requests), "RUs", t.CosmosDB.RequestUnits, PartDatabase)
	if ops := mul(ratFloat(pr.EventGridOps), w.requests); ops.Sign() > 0 {
		eg := t.EventGrid
		b.metered(newMeter(single(eg.Operations), 0, freeIf(o.FreeTier, eg.FreeOperations)), ops, "Event Grid", nil, "operations", PartDatabase)
	}
}

func describeConfig(cfg Config, w *work) string {
	s := string(cfg.Provider)
	switch cfg.Provider {
	case AWSLambda:
		arch, _ := ParseArch(string(cfg.Arch))
		s += " " + string(arch)
		if cfg.MemoryMB > 0 {
			s += fmt.Sprintf(" %d MB", cfg.MemoryMB)
		}
		if cfg.EphemeralMB > 512 {
			s += fmt.Sprintf(", ephemeral %d MB", cfg.EphemeralMB)
		}
		if cfg.SnapStart {
			s += ", SnapStart"
		}
		if cfg.ProvisionedConcurrency > 0 {
			s += fmt.Sprintf(", provisioned concurrency %d", cfg.ProvisionedConcurrency)
		}
	case AzureConsumption:
		if w.memoryMB > 0 {
			s += fmt.Sprintf(" %d MB billed", w.memoryMB)
		} else {
			s += ", memory as billed per request"
		}
	case AzureFlex:
		s += fmt.Sprintf(" %d MB instances", cfg.MemoryMB)
		if cfg.AlwaysReady > 0 {
			s += fmt.Sprintf(", %d always ready", cfg.AlwaysReady)
		}
	case AzurePremium:
		s += fmt.Sprintf(" %d × %s", max(cfg.Instances, 1), premiumPlanName(cfg))
	case CloudRun:
		s += fmt.Sprintf(" %v vCPU %d MB", vcpuOf(cfg), cfg.MemoryMB)
	}
	if cfg.Gateway != NoGateway {
		s += ", " + string(cfg.Gateway)
	}
	return s
}

func premiumPlanName(cfg Config) string {
	if cfg.PremiumPlan == "" {
		return "EP1"
	}
	return cfg.PremiumPlan
}

func vcpuOf(cfg Config) float64 {
	if cfg.VCPU == 0 {
		return 1
	}
	return cfg.VCPU
}
