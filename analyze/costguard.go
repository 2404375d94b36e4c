package analyze

import (
	"fmt"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
)

// Cost rails for runs against real accounts (issue 13): what a run's own
// requests will cost, said before it starts, and a watcher that stops a
// run whose cost so far passes a budget. Both price as `fnbench cost RUN`
// prices a finished run, marginally (no free tier), at the table's prices.

// RunEstimate is the cost of a run's requests to one target, said before
// they are sent. The duration of a request is unknown then, so it is a
// range: Low as if every request ran for 1 ms, High as if every one ran to
// its timeout; where the memory size is unknown too, Low takes the
// provider's smallest and High its largest.
type RunEstimate struct {
	Target    string
	Provider  cost.Provider
	Requests  int64
	Low, High cost.Decimal
	// Reason says why the target was not priced (a plain HTTP endpoint).
	Reason string
	Note   string
}

// EstimateRun prices requests requests to the target ti over period.
func EstimateRun(t *cost.Table, ti *rundir.TargetInfo, requests int64, period time.Duration) RunEstimate {
	e := RunEstimate{Target: ti.Name, Requests: requests}
	cfg, cc, err := costConfigOf(ti, nil)
	lowCfg, highCfg := cfg, cfg
	if err != nil && cc.Provider != "" {
		// The memory size is what is unknown: bracket it.
		lo, hi := memoryRange(cc.Provider)
		lowCfg.MemoryMB, highCfg.MemoryMB = lo, hi
		e.Note = fmt.Sprintf("memory unknown: %d to %d MB", lo, hi)
		err = nil
	}
	if err != nil {
		e.Reason = err.Error()
		return e
	}
	e.Provider = cfg.Provider
	if cfg.Provider == cost.AzureConsumption && cfg.MemoryMB == 0 {
		lowCfg.MemoryMB = 128 // Consumption bills observed memory, at least 128 MB
		e.Note = "memory use unknown: 128 to 1,536 MB"
	}
	price := func(c cost.Config, d time.Duration) (cost.Decimal, error) {
		b, err := t.Price(c, cost.Usage{Requests: requests, Latency: []cost.LatencyBucket{{Latency: d, Count: requests}}, Period: period}, cost.Options{})
		if err != nil {
			return cost.Decimal{}, err
		}
		return b.TotalUSD, nil
	}
	if e.Low, err = price(lowCfg, time.Millisecond); err == nil {
		e.High, err = price(highCfg, time.Duration(ti.TimeoutNs))
	}
	if err != nil {
		e.Reason = err.Error()
	}
	return e
}

// memoryRange is the memory a provider's function may have, in MB.
func memoryRange(p cost.Provider) (lo, hi int) {
	switch p {
	case cost.AWSLambda:
		return platform.LambdaMinMemoryMB, platform.LambdaMaxMemoryMB
	case cost.AzureFlex:
		return 512, 4096
	}
	return 128, 1536
}

// CostWatch stops a run once what it has cost so far passes a budget. Each
// interval of each priced target is priced as a finished run is: by its
// REPORT lines where it has them, else by its latencies (an upper bound).
// Targets that cannot be priced (plain HTTP) cost nothing here.
type CostWatch struct {
	table *cost.Table
	limit float64

	mu    sync.Mutex
	info  *rundir.RunInfo
	spent float64
}

// NewCostWatch watches a budget of limit US dollars.
func NewCostWatch(t *cost.Table, limit float64) *CostWatch {
	return &CostWatch{table: t, limit: limit}
}

// Begin learns the run's targets.
func (w *CostWatch) Begin(info *rundir.RunInfo) {
	w.mu.Lock()
	w.info = info
	w.mu.Unlock()
}

// Spent is what the run has cost so far, in US dollars.
func (w *CostWatch) Spent() float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.spent
}

// Interval prices one target's interval and says why the run must stop
// once the total passes the budget.
func (w *CostWatch) Interval(target int, c *rundir.IntervalCounts, latency *[len(rundir.Outcomes)]*hdr.Histogram) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.info == nil || target >= len(w.info.Targets) {
		return ""
	}
	cfg, _, err := costConfigOf(&w.info.Targets[target], c.Billing)
	if err != nil {
		return ""
	}
	u := cost.Usage{Period: time.Duration(c.EndNanos - c.StartNanos)}
	if c.Billing != nil && c.Billing.Reports > 0 {
		u.Billed = billedOf(c.Billing)
	} else {
		// Every answered request may be billed, failures included (a
		// function error, a timeout), each for at most its latency.
		for _, h := range latency {
			if h == nil {
				continue
			}
			for _, bar := range h.Distribution() {
				if bar.Count > 0 {
					u.Latency = append(u.Latency, cost.LatencyBucket{Latency: time.Duration(bar.To), Count: bar.Count})
				}
			}
		}
		if len(u.Latency) == 0 {
			return ""
		}
	}
	bill, err := w.table.Price(cfg, u, cost.Options{})
	if err != nil {
		return ""
	}
	w.spent += bill.TotalUSD.Float64()
	if w.spent > w.limit {
		return fmt.Sprintf("what the run has cost so far, about $%.4f by the cost model, passed --max-cost $%g", w.spent, w.limit)
	}
	return ""
}
