package cost

import (
	"errors"
	"fmt"
	"math"
	"math/big"
)

// Projection asks what a month at some rate costs, from measured usage.
// Give RPS or RequestsPerMonth.
type Projection struct {
	RPS              float64 // mean requests per second over the month
	RequestsPerMonth int64
	// Marginal leaves the free tier out. By default a projection is a bill:
	// free tier applied, volume tiers walked from the start of the month.
	Marginal   bool
	NewAccount bool // also API Gateway's 12-month free tier
	// ColdRate sets the share of the month's requests that start cold
	// (0..1); nil models it from the rate and the platform's keep-alive
	// (coldShare). A short run's own share is never extrapolated.
	ColdRate *float64
}

// Monthly is a month's projected bill and the capacity it needs.
type Monthly struct {
	RPS              float64    `json:"rps"`
	RequestsPerMonth Decimal    `json:"requests_per_month"`
	HoursPerMonth    Decimal    `json:"hours_per_month"`
	Cost             *Breakdown `json:"cost"`
	Capacity         Capacity   `json:"capacity"`
}

// Capacity is how many requests are in flight at the projected rate and
// what that needs, by Little's law: in flight = rate × mean time busy. It is
// a mean; bursts above the mean rate need more.
type Capacity struct {
	MeanBusyMs float64 `json:"mean_busy_ms"`
	BusyFrom   string  `json:"busy_from"` // billed duration, client latency, or the given duration
	InFlight   float64 `json:"in_flight"`
	// PerInstance is the requests one instance serves at once (Lambda: 1).
	PerInstance       float64 `json:"requests_per_instance"`
	PerInstanceSource string  `json:"requests_per_instance_source"`
	Instances         int64   `json:"instances"`
	Limits            []Limit `json:"limits"`
}

// Limit is one account or platform limit and what the projection needs of
// it. Max is 0 where the table gives no figure.
type Limit struct {
	Name     string  `json:"name"`
	Need     float64 `json:"need"`
	Max      float64 `json:"max"`
	Exceeded bool    `json:"exceeded"`
	Source   string  `json:"source"`
}

// Project scales the per-request usage u measured for cfg to a month at
// p's rate and prices it.
func (t *Table) Project(cfg Config, u Usage, p Projection) (*Monthly, error) {
	switch {
	case p.RPS < 0 || math.IsNaN(p.RPS) || math.IsInf(p.RPS, 0) || p.RequestsPerMonth < 0:
		return nil, errors.New("cost: the projected rate is negative or not a number")
	case (p.RPS > 0) == (p.RequestsPerMonth > 0):
		return nil, errors.New("cost: give a projection either requests per second or requests per month")
	}
	w, err := t.workFromUsage(cfg, u)
	if err != nil {
		return nil, err
	}
	if p.ColdRate != nil && (*p.ColdRate < 0 || *p.ColdRate > 1 || math.IsNaN(*p.ColdRate)) {
		return nil, fmt.Errorf("cost: cold rate %v is not a share of requests, 0 to 1", *p.ColdRate)
	}
	month := mul(t.HoursPerMonth.Value.rat(), ratInt(3600))
	perMonth := ratInt(p.RequestsPerMonth)
	if p.RPS > 0 {
		perMonth = mul(ratFloat(p.RPS), month)
	}
	runRequests := w.requests
	runInit := [2]*big.Rat{w.gbs[kindInit], w.gbs[kindRestore]}
	runInitSec := [2]*big.Rat{w.sec[kindInit], w.sec[kindRestore]}
	switch {
	case w.requests.Sign() > 0:
		w.scale(quo(perMonth, w.requests))
	case cfg.Provider == AzurePremium:
		w.requests = perMonth
	default:
		return nil, errors.New("cost: the usage has no requests to scale to a month")
	}
	w.period, w.periodAssumed = month, false
	rps := quo(perMonth, month)
	if add(runInit[0], runInit[1]).Sign() > 0 {
		t.projectColds(w, cfg, u, p, runRequests, runInit, runInitSec, rps, month)
	}
	if cfg.Provider == AzureFlex && w.instances == nil {
		// Execution periods do not scale with the rate: at the month's
		// rate they are modelled afresh from the mean execution.
		t.projectFlex(w, cfg, rps, perMonth)
	}
	bill, err := t.bill(cfg, w, Options{FreeTier: !p.Marginal, NewAccount: p.NewAccount})
	if err != nil {
		return nil, err
	}
	m := &Monthly{
		RPS: dec(rps).Float64(), RequestsPerMonth: dec(perMonth), HoursPerMonth: t.HoursPerMonth.Value,
		Cost: bill, Capacity: t.capacity(cfg, w, rps),
	}
	return m, nil
}

// projectColds prices the month's cold starts: their number from the
// modelled (or given) share of requests, each at the run's mean INIT and
// restore cost, instead of the run's own share scaled up. A run short
// enough to start every environment it used is mostly cold starts; a month
// at a steady rate is not.
func (t *Table) projectColds(w *work, cfg Config, u Usage, p Projection, runRequests *big.Rat, runInit, runInitSec [2]*big.Rat, rps, month *big.Rat) {
	measured := "the run did not count its cold starts"
	if u.Colds > 0 {
		measured = fmt.Sprintf("the run's %s%% over %s requests is not extrapolated", dec(quo(mul(ratInt(u.Colds), ratInt(100)), runRequests)).Human(), dec(runRequests).Human())
	}
	if u.Colds <= 0 && p.ColdRate == nil {
		w.notes = append(w.notes, "cold starts: the run's own share of INIT, scaled to the month, for the run did not count its cold starts; give --cold-rate to set it")
		return
	}
	var colds *big.Rat
	if p.ColdRate != nil {
		colds = mul(ratFloat(*p.ColdRate), w.requests)
		w.notes = append(w.notes, fmt.Sprintf("cold starts: %s%% of requests, as given (%s)", dec(ratFloat(100**p.ColdRate)).Human(), measured))
	} else {
		idle, envs, how := t.coldShare(dec(rps).Float64(), dec(w.busy).Float64())
		colds = minRat(add(mul(ratFloat(idle), w.requests), ratInt(envs)), w.requests)
		w.notes = append(w.notes, fmt.Sprintf("cold starts: %s in the month, %s%% of requests, modelled (%s); %s; give --cold-rate to set it",
			dec(colds).Human(), dec(quo(mul(colds, ratInt(100)), w.requests)).Human(), how, measured))
	}
	if u.Colds <= 0 {
		// No per-cold cost to price them at: the run's INIT per request,
		// in proportion to the share given.
		w.notes = append(w.notes, "the run did not count its cold starts: INIT is priced at the run's mean per request, which is not the given share")
		return
	}
	for i, k := range []int{kindInit, kindRestore} {
		w.gbs[k] = mul(colds, quo(runInit[i], ratInt(u.Colds)))
		w.sec[k] = mul(colds, quo(runInitSec[i], ratInt(u.Colds)))
	}
}

// coldShare models the cold starts of a month at a steady mean rate: with
// Poisson arrivals, a request that follows a gap longer than the
// keep-alive finds no warm environment (a share e^(−rate × keep-alive) of
// the requests), and the environments the load needs at once, ⌈rate ×
// busy⌉, start once. Environments the platform recycles on its own are not
// modelled: no public source gives their lifetime.
func (t *Table) coldShare(rps, busySec float64) (idle float64, envs int64, how string) {
	k := t.Lambda.KeepAlive
	keep := 0.0
	if k.Value.Known() {
		keep = k.Value.Float64()
	}
	envs = int64(math.Ceil(rps * busySec))
	return math.Exp(-rps * keep), envs, fmt.Sprintf("Poisson arrivals at %.6g/s, keep-alive %.0f s (%s), %d environments started once", rps, keep, k.Source, envs)
}

// projectFlex remodels a Flex app's month as a range from the mean
// execution time: execution periods measured at the run's rate say little
// about those at another.
func (t *Table) projectFlex(w *work, cfg Config, rps, perMonth *big.Rat) {
	if w.busy.Sign() <= 0 {
		return
	}
	w.high = nil
	w.sec[kindCompute] = mul(perMonth, quo(roundedMs(AzureFlex, mul(w.busy, ratInt(1000))), ratInt(1000)))
	w.setMemory(w.memoryMB)
	t.flexRange(w, cfg, mul(perMonth, w.busy), ratInt(poissonPeak(dec(mul(rps, w.busy)).Float64())))
	if w.high != nil {
		w.notes = append(w.notes, fmt.Sprintf("azure-flex month: execution periods modelled from the mean execution of %s ms (%s), not scaled from the run's", dec(mul(w.busy, ratInt(1000))).Human(), w.busyFrom))
	}
}

// capacity applies Little's law to the projected rate and checks the
// account and platform limits the table knows.
func (t *Table) capacity(cfg Config, w *work, rps *big.Rat) Capacity {
	inFlight := mul(rps, w.busy)
	per, src := ratInt(1), ""
	var limit Quantity
	limitName := "instances"
	switch cfg.Provider {
	case AWSLambda:
		src = t.Lambda.ConcurrencyLimit.Source
		limit, limitName = t.Lambda.ConcurrencyLimit, "Lambda account concurrency"
	case AzureConsumption:
		per, src = knownOr1(t.Azure.Consumption.InstanceConcurrency)
		limit, limitName = t.Azure.Consumption.InstanceLimit, "Consumption instances"
	case AzureFlex:
		per, src = t.flexConcurrency(cfg)
		limit, limitName = t.Azure.Flex.InstanceLimit, "Flex instances"
	case AzurePremium:
		src = "no public figure for the requests one Premium instance serves at once: 1 assumed, an upper bound on instances (docs/sources.md, \"Assumptions fnbench makes\")"
		limit, limitName = t.Azure.Premium.InstanceLimit, "Premium instances"
	case CloudRun:
		per, src = knownOr1(t.CloudRun.InstanceConcurrency)
		limit, limitName = t.CloudRun.InstanceLimit, "Cloud Run instances"
	}
	instances := ceilRat(quo(inFlight, per))
	c := Capacity{
		MeanBusyMs: dec(mul(w.busy, ratInt(1000))).Float64(), BusyFrom: w.busyFrom,
		InFlight: dec(inFlight).Float64(), PerInstance: dec(per).Float64(), PerInstanceSource: src,
		Instances: instances.Num().Int64(),
	}
	if w.busy.Sign() == 0 {
		c.BusyFrom = "unknown: no duration measured"
	}
	c.Limits = append(c.Limits, newLimit(limitName, dec(instances).Float64(), limit))
	if cfg.Gateway == HTTPAPI || cfg.Gateway == RESTAPI {
		c.Limits = append(c.Limits, newLimit("API Gateway requests per second", dec(rps).Float64(), t.APIGateway.RPSLimit))
	}
	return c
}

func knownOr1(q Quantity) (*big.Rat, string) {
	if q.Value.Known() && q.Value.Sign() > 0 {
		return q.Value.Rat(), q.Source
	}
	return ratInt(1), q.Source
}

func newLimit(name string, need float64, q Quantity) Limit {
	l := Limit{Name: name, Need: need, Source: q.Source}
	if q.Value.Known() {
		l.Max = q.Value.Float64()
		l.Exceeded = need > l.Max
	}
	return l
}

// Text renders the projection: the bill, then the capacity and limits.
func (m *Monthly) Text() string {
	s := fmt.Sprintf("month of %s h at %.6g requests/s: %s requests\n\n", m.HoursPerMonth, m.RPS, m.RequestsPerMonth.Human())
	s += m.Cost.Text()
	c := m.Capacity
	s += fmt.Sprintf("\ncapacity (Little's law, mean rate): %.6g requests in flight (mean busy %.6g ms, from %s), %.6g per instance: %d instances\n",
		c.InFlight, c.MeanBusyMs, c.BusyFrom, c.PerInstance, c.Instances)
	for _, l := range c.Limits {
		switch {
		case l.Max == 0:
			s += fmt.Sprintf("- %s: need %.6g, no limit known (%s)\n", l.Name, l.Need, l.Source)
		case l.Exceeded:
			s += fmt.Sprintf("- %s: need %.6g, EXCEEDS the limit of %.6g (%s)\n", l.Name, l.Need, l.Max, l.Source)
		default:
			s += fmt.Sprintf("- %s: need %.6g of %.6g (%s)\n", l.Name, l.Need, l.Max, l.Source)
		}
	}
	return s
}
