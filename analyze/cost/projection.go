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
	month := mul(t.HoursPerMonth.Value.rat(), ratInt(3600))
	perMonth := ratInt(p.RequestsPerMonth)
	if p.RPS > 0 {
		perMonth = mul(ratFloat(p.RPS), month)
	}
	switch {
	case w.requests.Sign() > 0:
		w.scale(quo(perMonth, w.requests))
	case cfg.Provider == AzurePremium:
		w.requests = perMonth
	default:
		return nil, errors.New("cost: the usage has no requests to scale to a month")
	}
	w.period, w.periodAssumed = month, false
	bill, err := t.bill(cfg, w, Options{FreeTier: !p.Marginal, NewAccount: p.NewAccount})
	if err != nil {
		return nil, err
	}
	rps := quo(perMonth, month)
	m := &Monthly{
		RPS: dec(rps).Float64(), RequestsPerMonth: dec(perMonth), HoursPerMonth: t.HoursPerMonth.Value,
		Cost: bill, Capacity: t.capacity(cfg, w, rps),
	}
	return m, nil
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
