package analyze

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// TargetCost is what one target's requests in a run cost, by its own
// provider's prices. Measured is true when the platform's billing was
// measured (Lambda REPORT lines); otherwise the bill is an upper-bound
// estimate from client latency with the provider's rounding and minimums
// (Bill.Estimate says so too). Priced is false, with Reason, when the
// target cannot be priced (a plain HTTP endpoint, an unknown memory size).
type TargetCost struct {
	Priced   bool   `json:"priced"`
	Reason   string `json:"reason,omitempty"`
	Measured bool   `json:"measured"`
	// Config is what the target was priced as, and where each figure came
	// from.
	Config CostConfig      `json:"config"`
	Bill   *cost.Breakdown `json:"bill"`
	// Monthly is a projection to a month at a rate: set by `fnbench cost
	// RUN --rps`, never in the summary.
	Monthly *cost.Monthly `json:"monthly,omitempty"`
}

// CostConfig is a target as billing sees it.
type CostConfig struct {
	Provider   cost.Provider `json:"provider"`
	Arch       cost.Arch     `json:"arch,omitempty"`
	ArchFrom   string        `json:"arch_from,omitempty"` // meta, scenario or default
	MemoryMB   int           `json:"memory_mb,omitempty"`
	MemoryFrom string        `json:"memory_from,omitempty"` // report, meta or scenario
	Gateway    cost.Gateway  `json:"gateway,omitempty"`
}

// TargetUsage turns one target's share of a run into what the cost model
// prices: its configuration (provider, architecture, memory, gateway, from
// the REPORT lines, the function's metadata and the scenario, strongest
// first) and its usage (measured billing when there is any, else the
// latency of its successful requests). total is the target's whole-run row.
func TargetUsage(r *Run, tr *TargetRun, total Row) (cost.Config, cost.Usage, CostConfig, error) {
	cfg, cc, err := costConfigOf(&tr.Info, total.Billing)
	if err != nil {
		return cfg, cost.Usage{}, cc, err
	}
	b := total.Billing
	u := cost.Usage{Period: total.Duration, PeakInFlight: total.PeakInFl}
	switch {
	case b != nil && b.Reports > 0:
		u.Billed = billedOf(b)
		u.Colds = b.Inits + b.Restores
	case b != nil && b.Markers != nil && b.Markers.Executions > 0:
		u.Markers = b.Markers
		u.Colds = b.Markers.Colds
		u.Latency = latencyBuckets(r, tr, total) // for the time an instance is busy
	default:
		u.Latency = latencyBuckets(r, tr, total)
		if len(u.Latency) == 0 {
			return cfg, u, cc, errors.New("no successful requests and no billing measured: nothing to price")
		}
	}
	if cfg.Gateway == cost.HTTPAPI && total.Sent > 0 {
		u.Sizes = []cost.SizeBucket{{Bytes: total.BytesOut / total.Sent, Count: total.Sent}}
	}
	return cfg, u, cc, nil
}

// billedOf turns summed REPORT figures into billed usage: the total is
// exact, and so is INIT's share in a run that recorded it (see
// rundir.Billing.InitShareMs).
func billedOf(b *rundir.Billing) *cost.Billed {
	initMs, _ := b.InitShareMs()
	return &cost.Billed{Invocations: b.Reports, DurationMs: b.BilledMs, InitMs: initMs, RestoreMs: min(b.RestoreBilledMs, b.BilledMs), MBms: b.MBms}
}

// latencyBuckets is the client latency of the target's billed requests
// over the run, each bucket at its highest value: an upper bound. Billed
// are the successes, and the failures that ran the function: a function
// error or a timeout is billed as an execution (docs/sources.md, "AWS
// Lambda pricing", "Azure Functions pricing"). The run keeps one latency
// histogram for every failure, so those two classes' share of it is taken.
func latencyBuckets(r *Run, tr *TargetRun, total Row) []cost.LatencyBucket {
	h := rundir.NewHist()
	failed := rundir.NewHist()
	for _, pr := range tr.Phases {
		h.Add(pr.latency[rundir.IndexWarm])
		h.Add(pr.latency[rundir.IndexCold])
		failed.Add(pr.latency[rundir.IndexError])
	}
	var out []cost.LatencyBucket
	for _, b := range distOf(h).buckets {
		out = append(out, cost.LatencyBucket{Latency: time.Duration(b.high), Count: b.count})
	}
	billed := total.Classes[rundir.ClassFunctionError] + total.Classes[rundir.ClassTimeout]
	var errs int64
	for _, n := range total.Classes {
		errs += n
	}
	if billed > 0 && errs > 0 {
		var left = billed
		for _, b := range distOf(failed).buckets {
			n := min(left, (b.count*billed+errs-1)/errs)
			if n > 0 {
				out = append(out, cost.LatencyBucket{Latency: time.Duration(b.high), Count: n})
				left -= n
			}
		}
	}
	return out
}

// packaging reads the Lambda packaging from the function's metadata: it
// decided whether INIT was billed before 2025-08-01.
func packaging(m *rundir.FunctionMeta) cost.Packaging {
	switch {
	case strings.EqualFold(m.PackageType, "image"):
		return cost.PackagingImage
	case strings.HasPrefix(m.Runtime, "provided"):
		return cost.PackagingOSOnly
	}
	return cost.PackagingZip
}

// gatewayOf tells from the URL what fronts a function: the simulator's
// endpoint kinds, or a Lambda function URL's host. An API Gateway URL
// does not say whether it is an HTTP or a REST API; it is priced without.
func gatewayOf(ti *rundir.TargetInfo) cost.Gateway {
	if ti.Kind == scenarios.KindAWSLambda {
		return cost.NoGateway
	}
	switch ti.Gateway {
	case "http-api":
		return cost.HTTPAPI
	case "rest-api":
		return cost.RESTAPI
	case "function-url":
		return cost.FunctionURL
	}
	u, err := url.Parse(ti.URL)
	if err != nil {
		return cost.NoGateway
	}
	switch {
	case strings.HasSuffix(u.Path, "/apigw-http"):
		return cost.HTTPAPI
	case strings.HasSuffix(u.Path, "/apigw-rest"):
		return cost.RESTAPI
	case strings.HasSuffix(u.Path, "/lambda-url"), strings.Contains(u.Host, ".lambda-url."):
		return cost.FunctionURL
	}
	return cost.NoGateway
}

// priceTarget prices one target's share of the run.
func priceTarget(t *cost.Table, r *Run, tr *TargetRun, total Row, o cost.Options) TargetCost {
	cfg, u, cc, err := TargetUsage(r, tr, total)
	tc := TargetCost{Config: cc}
	if err != nil {
		tc.Reason = err.Error()
		return tc
	}
	bill, err := t.Price(cfg, u, o)
	if err != nil {
		tc.Reason = err.Error()
		return tc
	}
	bill.Target = tr.Info.Name + ": " + bill.Target
	if cc.ArchFrom == "default" {
		bill.Notes = append(bill.Notes, "architecture unknown: priced as x86_64, Lambda's default")
	}
	if _, exact := total.Billing.InitShareMs(); u.Billed != nil && u.Billed.InitMs > 0 && !exact {
		bill.Notes = append(bill.Notes, "INIT's share of the billed time is taken from the summed Init Duration; the total billed time is exact")
	}
	if strings.Contains(tr.Info.URL, "execute-api") && cfg.Gateway == cost.NoGateway {
		bill.Notes = append(bill.Notes, "API Gateway not priced: its URL does not say whether it is an HTTP or a REST API; set gateway: http-api or rest-api on the target")
	}
	if n := total.Classes[rundir.ClassFunctionError] + total.Classes[rundir.ClassTimeout]; n > 0 && u.Billed == nil {
		bill.Notes = append(bill.Notes, fmt.Sprintf("%d function errors and timeouts priced as executions: the function ran, and the provider bills it", n))
	}
	tc.Priced, tc.Measured, tc.Bill = true, bill.Basis == cost.BasisBilling || bill.Basis == cost.BasisMarkers, bill
	return tc
}

// PriceRun prices every target of a summary's run with table, marginal
// unless o.FreeTier.
func PriceRun(t *cost.Table, s *Summary, o cost.Options) []TargetCost {
	var out []TargetCost
	for i, tr := range s.Run.Targets {
		out = append(out, priceTarget(t, s.Run, tr, s.Tables[i].Total, o))
	}
	return out
}

// ProjectTarget scales one target's measured usage to a month at p's rate:
// the bill with the free tier applied (unless p.Marginal) and volume tiers
// walked, and the concurrency it needs (Little's law) against limits.
func ProjectTarget(t *cost.Table, s *Summary, target int, p cost.Projection) (*cost.Monthly, error) {
	cfg, u, _, err := TargetUsage(s.Run, s.Run.Targets[target], s.Tables[target].Total)
	if err != nil {
		return nil, err
	}
	m, err := t.Project(cfg, u, p)
	if err != nil {
		return nil, err
	}
	m.Cost.Target = s.Run.Targets[target].Info.Name + ": " + m.Cost.Target
	return m, nil
}

// costConfigOf is what the cost model prices a target as: its provider,
// architecture, memory (from REPORT lines in b, the function's metadata,
// the scenario, strongest first) and gateway. It needs no results: a run's
// estimate and its cost watch use it before and while it runs.
func costConfigOf(ti *rundir.TargetInfo, b *rundir.Billing) (cost.Config, CostConfig, error) {
	var cc CostConfig
	p, err := cost.ProviderOf(ti.Provider, ti.Plan)
	if err != nil {
		if ti.Provider == "" || ti.Provider == platform.Generic {
			err = errors.New("a plain HTTP target has no provider to price it with; price it with fnbench cost --provider")
		}
		return cost.Config{}, cc, err
	}
	cc.Provider = p
	cfg := cost.Config{Provider: p}
	meta := ti.Meta
	if meta == nil {
		meta = &rundir.FunctionMeta{}
	}
	switch {
	case b != nil && b.MemoryMB > 0:
		cc.MemoryMB, cc.MemoryFrom = b.MemoryMB, "report"
	case meta.MemoryMB > 0:
		cc.MemoryMB, cc.MemoryFrom = meta.MemoryMB, "meta"
	case ti.MemoryMB > 0:
		cc.MemoryMB, cc.MemoryFrom = ti.MemoryMB, "scenario"
	}
	cfg.MemoryMB = cc.MemoryMB
	if p == cost.AWSLambda {
		arch, from := meta.Arch, "meta"
		if arch == "" {
			arch, from = ti.Arch, "scenario"
		}
		if arch == "" {
			from = "default"
		}
		a, err := cost.ParseArch(arch)
		if err != nil {
			return cfg, cc, err
		}
		cfg.Arch, cc.Arch, cc.ArchFrom = a, a, from
		if cc.MemoryMB == 0 {
			return cfg, cc, fmt.Errorf("the function's memory size is unknown: set memory_mb on target %s in the scenario", ti.Name)
		}
		cfg.EphemeralMB, cfg.SnapStart = meta.EphemeralMB, meta.SnapStart
		cfg.Packaging = packaging(meta)
	}
	if p == cost.AzureFlex {
		cfg.AlwaysReady = meta.AlwaysReady
	}
	if p == cost.AzureFlex && strings.HasPrefix(strings.ToLower(meta.Runtime), "python") {
		cfg.Language = "python" // Flex runs Python one request per instance
	}
	if p == cost.AzureFlex && cc.MemoryMB == 0 {
		return cfg, cc, fmt.Errorf("the Flex instance memory is unknown: set memory_mb (512, 2048 or 4096) on target %s in the scenario", ti.Name)
	}
	cfg.Gateway = gatewayOf(ti)
	cc.Gateway = cfg.Gateway
	return cfg, cc, nil
}
