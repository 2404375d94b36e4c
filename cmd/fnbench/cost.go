package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/report"
)

// costFlags are the flags of `fnbench cost`. The calculator's mirror
// cost.Calculator field by field.
type costFlags struct {
	format, pricing string
	freeTier        bool
	// A run.
	rps        float64
	perMonth   int64
	marginal   bool
	newAccount bool
	// The calculator.
	provider, arch, gateway, packaging, premiumPlan, date string
	memoryMB, instanceMemoryMB, ephemeralMB               int
	provisioned, alwaysReady, instances                   int
	durationMs, initMs, coldRate, restoreMs, hours, vcpu  float64
	requests, requestBytes                                int64
	snapStart                                             bool
	busyInstances                                         float64
	strategy, target                                      string
	perInstance                                           int
	language                                              string
	ddbReads, ddbWrites, cosmosRUs, eventGridOps          float64
}

// calculatorFlags name the flags that describe a configuration rather than
// a run; they cannot be given with RUN.
var calculatorFlags = []string{"provider", "arch", "memory-mb", "instance-memory-mb", "duration-ms", "requests",
	"init-ms", "restore-ms", "packaging", "snapstart", "gateway", "request-bytes", "ephemeral-mb",
	"provisioned-concurrency", "always-ready", "instances", "premium-plan", "vcpu", "hours", "date",
	"dynamodb-reads", "dynamodb-writes", "cosmos-rus", "eventgrid-ops", "busy-instances", "per-instance-concurrency", "language"}

func newCostCmd() *cobra.Command {
	var f costFlags
	cmd := &cobra.Command{
		Use:   "cost [RUN] [flags]",
		Short: "Price a run's targets, project a month, or price a configuration",
		Long: `Price a run's targets, project a month, or price a configuration.

With RUN: the cost per million requests of each target, from the billing
measured in the run (Lambda REPORT lines) or else an upper-bound estimate from
client latency, marginal (no free tier) unless --free-tier. With --rps or
--requests-per-month, also a month at that rate: free tier applied (unless
--marginal), volume tiers walked, and the concurrency it needs (Little's law)
against account limits.

Without RUN, the calculator prices a configuration and a mean request:

  fnbench cost --provider aws-lambda --arch arm64 --memory-mb 512 \
    --duration-ms 120 --requests 3000000 [--init-ms 300 --cold-rate 0.01] \
    [--gateway http-api] [--free-tier] [--ephemeral-mb 2048] [--format json]

Providers: aws-lambda, azure-consumption, azure-flex (--instance-memory-mb
512, 2048 or 4096), azure-premium (--instances, --premium-plan), gcp-cloud-run.
Prices come from the built-in dated table (its version and date are printed)
or --pricing FILE.

Azure Flex bills each instance's execution periods, which depend on how
requests overlap: give --busy-instances N --hours H for one figure (as in
Microsoft's example), or --rps with --duration-ms (and
--per-instance-concurrency, default by instance memory and --language) for
the range the evidence allows:

  fnbench cost --provider azure-flex --instance-memory-mb 2048 \
    --busy-instances 10 --hours 1 --requests 144000

One workload on several providers, side by side (md, csv and json too):

  fnbench cost --provider aws-lambda,azure-consumption,azure-flex,gcp-cloud-run \
    --memory-mb 512 --duration-ms 200 --requests 50000000 [--rps 20]`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case f.format == "text" || f.format == "json":
			case (f.format == "md" || f.format == "csv") && strings.Contains(f.provider, ","):
			default:
				return usageError(fmt.Errorf("--format %q is not supported; use text or json (md and csv too for a table of providers, --provider a,b)", f.format))
			}
			table := cost.Default()
			if f.pricing != "" {
				t, err := cost.Load(f.pricing)
				if err != nil {
					return usageError(err)
				}
				table = t
			}
			var given []string
			for _, name := range calculatorFlags {
				if cmd.Flags().Changed(name) {
					given = append(given, "--"+name)
				}
			}
			var out []byte
			var err error
			switch {
			case len(args) == 1 && len(given) > 0:
				return usageError(fmt.Errorf("%s: calculator flags price a configuration without a run; to price the run %s, drop them", strings.Join(given, ", "), args[0]))
			case len(args) == 1:
				out, err = costOfRun(cmd, args[0], table, &f)
			case !cmd.Flags().Changed("provider"):
				return usageError(errors.New("give a run directory (fnbench cost RUN) or a configuration (fnbench cost --provider aws-lambda --memory-mb 512 --duration-ms 120 --requests 1000000)"))
			default:
				out, err = calculate(cmd, table, &f)
			}
			if err != nil {
				return err
			}
			return writeOutput(cmd.OutOrStdout(), "", out)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "output format: text or json; md and csv too for several providers")
	fl.StringVar(&f.pricing, "pricing", "", "price table overriding the built-in one (YAML; see the README's Cost model)")
	fl.BoolVar(&f.freeTier, "free-tier", false, "apply the monthly free tiers (default: marginal cost)")
	fl.Float64Var(&f.rps, "rps", 0, "with RUN: project a month at this mean rate (requests/s); without: the rate of the requests priced (azure-flex: it shapes the execution periods), or the month's bill of each provider of a table")
	fl.Int64Var(&f.perMonth, "requests-per-month", 0, "with RUN: project a month of this many requests")
	fl.BoolVar(&f.marginal, "marginal", false, "with --rps or --requests-per-month: leave the free tier out of the monthly bill")
	fl.BoolVar(&f.newAccount, "new-account", false, "with the free tier: also API Gateway's 12-month free tier")
	fl.StringVar(&f.provider, "provider", "", "aws-lambda, azure-consumption, azure-flex, azure-premium or gcp-cloud-run; several, comma-separated, for a table side by side")
	fl.StringVar(&f.arch, "arch", "", "aws-lambda architecture: x86_64 (default) or arm64")
	fl.IntVar(&f.memoryMB, "memory-mb", 0, "aws-lambda configured memory, azure-consumption memory used, gcp-cloud-run memory limit")
	fl.IntVar(&f.instanceMemoryMB, "instance-memory-mb", 0, "azure-flex instance memory: 512, 2048 or 4096")
	fl.Float64Var(&f.durationMs, "duration-ms", 0, "one request's execution time in ms, before the provider's rounding")
	fl.Int64Var(&f.requests, "requests", 0, "requests to price")
	fl.Float64Var(&f.initMs, "init-ms", 0, "a cold start's INIT duration in ms")
	fl.Float64Var(&f.coldRate, "cold-rate", 0, "share of requests that are cold, 0 to 1 (with RUN and --rps: the month's, instead of the modelled share)")
	fl.Float64Var(&f.restoreMs, "restore-ms", 0, "aws-lambda SnapStart restore duration in ms (implies --snapstart)")
	fl.StringVar(&f.packaging, "packaging", "", "aws-lambda packaging: zip (default), image or os-only; decides INIT billing before 2025-08-01")
	fl.BoolVar(&f.snapStart, "snapstart", false, "aws-lambda SnapStart")
	fl.StringVar(&f.gateway, "gateway", "", "what fronts the function: none, function-url, http-api or rest-api")
	fl.Int64Var(&f.requestBytes, "request-bytes", 0, "request size, for HTTP API's 512 KB metering")
	fl.IntVar(&f.ephemeralMB, "ephemeral-mb", 0, "aws-lambda ephemeral storage (/tmp) in MB; above 512 it is billed")
	fl.IntVar(&f.provisioned, "provisioned-concurrency", 0, "aws-lambda provisioned concurrency")
	fl.IntVar(&f.alwaysReady, "always-ready", 0, "azure-flex always-ready instances")
	fl.Float64Var(&f.busyInstances, "busy-instances", 0, "azure-flex instances executing for all of --hours (one figure, not a range)")
	fl.IntVar(&f.perInstance, "per-instance-concurrency", 0, "azure-flex HTTP requests one instance runs at once (default: Azure's, by instance memory and --language)")
	fl.StringVar(&f.strategy, "strategy", analyze.StrategyBalanced, "with a memory sweep's directory: the recommendation, cost (cheapest), speed (lowest p99) or balanced")
	fl.StringVar(&f.target, "target", "", "with a memory sweep's directory: the target to compare (default: its first aws-lambda target)")
	fl.StringVar(&f.language, "language", "", "the function's language, where it changes a default (azure-flex: python runs one request per instance)")
	fl.IntVar(&f.instances, "instances", 0, "azure-premium instances billed (at least 1)")
	fl.StringVar(&f.premiumPlan, "premium-plan", "", "azure-premium plan (default EP1)")
	fl.Float64Var(&f.vcpu, "vcpu", 0, "gcp-cloud-run vCPUs per instance (default 1)")
	fl.Float64Var(&f.hours, "hours", 0, "hours billed for hourly charges (default one month)")
	fl.StringVar(&f.date, "date", "", "the day billed, YYYY-MM-DD (decides Lambda INIT billing; default the table's date)")
	fl.Float64Var(&f.ddbReads, "dynamodb-reads", 0, "DynamoDB read request units per request")
	fl.Float64Var(&f.ddbWrites, "dynamodb-writes", 0, "DynamoDB write request units per request")
	fl.Float64Var(&f.cosmosRUs, "cosmos-rus", 0, "Cosmos DB request units per request")
	fl.Float64Var(&f.eventGridOps, "eventgrid-ops", 0, "Event Grid operations per request")
	fl.SortFlags = false
	return cmd
}

// calculate prices a configuration given by flags.
func calculate(cmd *cobra.Command, table *cost.Table, f *costFlags) ([]byte, error) {
	for _, name := range []string{"requests-per-month", "marginal"} {
		if cmd.Flags().Changed(name) {
			return nil, usageError(fmt.Errorf("--%s projects a run to a month; without a run, give the month's requests with --requests", name))
		}
	}
	if math.IsNaN(f.rps) || math.IsInf(f.rps, 0) || f.rps < 0 || f.rps > 1e7 {
		return nil, usageError(fmt.Errorf("--rps %v is not a rate fnbench can price; give 0 to 10,000,000 requests/s", f.rps))
	}
	if strings.Contains(f.provider, ",") {
		return compareProviders(table, f)
	}
	p, err := cost.ParseProvider(f.provider)
	if err != nil {
		return nil, usageError(err)
	}
	c := cost.Calculator{
		Provider: p, MemoryMB: f.memoryMB, InstanceMemoryMB: f.instanceMemoryMB,
		DurationMs: f.durationMs, Requests: f.requests, InitMs: f.initMs, ColdRate: f.coldRate, RestoreMs: f.restoreMs,
		SnapStart: f.snapStart, RequestBytes: f.requestBytes, EphemeralMB: f.ephemeralMB,
		ProvisionedConcurrency: f.provisioned, AlwaysReady: f.alwaysReady, Instances: f.instances,
		PremiumPlan: f.premiumPlan, VCPU: f.vcpu, Hours: f.hours, FreeTier: f.freeTier, NewAccount: f.newAccount,
		BusyInstances: f.busyInstances, PerInstanceConcurrency: f.perInstance, Language: f.language,
		PerRequest: cost.PerRequest{DynamoDBReadUnits: f.ddbReads, DynamoDBWriteUnits: f.ddbWrites,
			CosmosDBRUs: f.cosmosRUs, EventGridOps: f.eventGridOps},
	}
	if c.Arch, err = cost.ParseArch(f.arch); err != nil {
		return nil, usageError(fmt.Errorf("--arch: %w", err))
	}
	if c.Gateway, err = cost.ParseGateway(f.gateway); err != nil {
		return nil, usageError(fmt.Errorf("--gateway: %w", err))
	}
	if c.Packaging, err = cost.ParsePackaging(f.packaging); err != nil {
		return nil, usageError(fmt.Errorf("--packaging: %w", err))
	}
	if f.date != "" {
		if c.Date, err = time.Parse(time.DateOnly, f.date); err != nil {
			return nil, usageError(fmt.Errorf("--date %q is not a date; write YYYY-MM-DD, e.g. 2025-08-01", f.date))
		}
	}
	if p == cost.AzureFlex {
		c.RPS = f.rps
	} else if f.rps > 0 && f.requests == 0 {
		c.Requests = f.monthOf(table)
	}
	if err := f.checkWorkload(); err != nil {
		return nil, err
	}
	switch {
	case p != cost.AzurePremium && f.durationMs == 0 && f.busyInstances == 0:
		return nil, usageError(fmt.Errorf("--duration-ms is required for %s: one request's execution time in milliseconds, e.g. --duration-ms 120", p))
	case p == cost.AWSLambda && f.memoryMB == 0:
		return nil, usageError(fmt.Errorf("--memory-mb is required for %s: the function's configured memory, %d to %d",
			p, platform.LambdaMinMemoryMB, platform.LambdaMaxMemoryMB))
	case p == cost.AzureFlex && f.instanceMemoryMB == 0:
		return nil, usageError(errors.New("--instance-memory-mb is required for azure-flex: 512, 2048 or 4096"))
	case p == cost.AzureFlex && f.memoryMB != 0:
		return nil, usageError(errors.New("azure-flex bills its instance memory: give --instance-memory-mb, not --memory-mb"))
	}
	bill, err := table.Calculate(c)
	if err != nil {
		return nil, usageError(err)
	}
	if f.format == "json" {
		return marshalJSON(bill)
	}
	return []byte(bill.Text()), nil
}

// checkWorkload refuses what no workload is: no requests and no rate, a
// negative count, a duration that is no execution time.
func (f *costFlags) checkWorkload() error {
	switch {
	case f.requests < 0:
		return usageError(fmt.Errorf("--requests %d is negative: give how many requests to price, e.g. --requests 3000000", f.requests))
	case f.requests == 0 && f.rps == 0:
		return usageError(errors.New("--requests is required: how many requests to price, e.g. --requests 3000000 (or a mean rate with --rps, over --hours or a month)"))
	case math.IsNaN(f.durationMs) || math.IsInf(f.durationMs, 0) || f.durationMs < 0 || f.durationMs > maxDurationMs:
		return usageError(fmt.Errorf("--duration-ms %v is not an execution time; give milliseconds from 0 to %d (a day)", f.durationMs, int64(maxDurationMs)))
	case math.IsNaN(f.busyInstances) || f.busyInstances < 0 || f.busyInstances > 1e6:
		return usageError(fmt.Errorf("--busy-instances %v is not a count fnbench can price; give 0 to 1,000,000", f.busyInstances))
	case f.perInstance < 0 || f.perInstance > 1000:
		return usageError(fmt.Errorf("--per-instance-concurrency %d: give 1 to 1,000 requests per instance", f.perInstance))
	}
	if err := f.checkQuantities(); err != nil {
		return usageError(err)
	}
	return nil
}

// monthOf is the requests at --rps over --hours, or over the table's month.
func (f *costFlags) monthOf(table *cost.Table) int64 {
	hours := f.hours
	if hours == 0 {
		hours = table.HoursPerMonth.Value.Float64()
	}
	return int64(math.Round(f.rps * hours * 3600))
}

// compareProviders prices one workload on each provider of a
// comma-separated --provider, side by side.
func compareProviders(table *cost.Table, f *costFlags) ([]byte, error) {
	var providers []cost.Provider
	for _, name := range strings.Split(f.provider, ",") {
		p, err := cost.ParseProvider(strings.TrimSpace(name))
		if err != nil {
			return nil, usageError(fmt.Errorf("--provider: %w", err))
		}
		if slices.Contains(providers, p) {
			return nil, usageError(fmt.Errorf("--provider names %s twice", p))
		}
		providers = append(providers, p)
	}
	if err := f.checkWorkload(); err != nil {
		return nil, err
	}
	if f.durationMs == 0 && f.busyInstances == 0 {
		return nil, usageError(errors.New("--duration-ms is required: one request's execution time in milliseconds, e.g. --duration-ms 200"))
	}
	if f.freeTier {
		return nil, usageError(errors.New("--free-tier: a table of providers shows each bill with and without the free tier already"))
	}
	w := cost.Calculator{
		MemoryMB: f.memoryMB, InstanceMemoryMB: f.instanceMemoryMB, DurationMs: f.durationMs, Requests: f.requests,
		InitMs: f.initMs, ColdRate: f.coldRate, RestoreMs: f.restoreMs, SnapStart: f.snapStart, RequestBytes: f.requestBytes,
		EphemeralMB: f.ephemeralMB, ProvisionedConcurrency: f.provisioned, AlwaysReady: f.alwaysReady, Instances: f.instances,
		PremiumPlan: f.premiumPlan, VCPU: f.vcpu, Hours: f.hours, NewAccount: f.newAccount,
		BusyInstances: f.busyInstances, PerInstanceConcurrency: f.perInstance, Language: f.language, RPS: f.rps,
		PerRequest: cost.PerRequest{DynamoDBReadUnits: f.ddbReads, DynamoDBWriteUnits: f.ddbWrites,
			CosmosDBRUs: f.cosmosRUs, EventGridOps: f.eventGridOps},
	}
	var err error
	if w.Arch, err = cost.ParseArch(f.arch); err != nil {
		return nil, usageError(fmt.Errorf("--arch: %w", err))
	}
	if w.Gateway, err = cost.ParseGateway(f.gateway); err != nil {
		return nil, usageError(fmt.Errorf("--gateway: %w", err))
	}
	if w.Packaging, err = cost.ParsePackaging(f.packaging); err != nil {
		return nil, usageError(fmt.Errorf("--packaging: %w", err))
	}
	if w.Requests == 0 {
		w.Requests = f.monthOf(table)
	}
	cmp, err := table.Compare(w, providers, f.rps)
	if err != nil {
		return nil, usageError(err)
	}
	switch f.format {
	case "json":
		doc := struct {
			SchemaVersion int `json:"schema_version"`
			*cost.Comparison
		}{analyze.SchemaVersion, cmp}
		return marshalJSON(doc)
	case "md":
		return []byte(cmp.Markdown()), nil
	case "csv":
		return []byte(cmp.CSV()), nil
	}
	return []byte(cmp.Text()), nil
}

// maxDurationMs bounds --duration-ms: no platform runs one request for
// longer than a day (Lambda stops at 15 minutes).
const maxDurationMs = 24 * 60 * 60 * 1000

// checkQuantities refuses a quantity no bill has: NaN, infinite, negative,
// or beyond any account's reach (a million instances, a quadrillion
// requests), which would otherwise be priced as given.
func (f *costFlags) checkQuantities() error {
	for _, q := range []struct {
		flag   string
		v, max float64
		what   string
	}{
		{"requests", float64(f.requests), 1e15, "requests"},
		{"init-ms", f.initMs, maxDurationMs, "milliseconds"},
		{"restore-ms", f.restoreMs, maxDurationMs, "milliseconds"},
		{"request-bytes", float64(f.requestBytes), 1 << 30, "bytes"},
		{"ephemeral-mb", float64(f.ephemeralMB), 10240, "MB"},
		{"provisioned-concurrency", float64(f.provisioned), 1e6, "environments"},
		{"always-ready", float64(f.alwaysReady), 1e6, "instances"},
		{"instances", float64(f.instances), 1e6, "instances"},
		{"vcpu", f.vcpu, 64, "vCPUs"},
		{"hours", f.hours, 24 * 366, "hours (a year at most)"},
		{"dynamodb-reads", f.ddbReads, 1e6, "units per request"},
		{"dynamodb-writes", f.ddbWrites, 1e6, "units per request"},
		{"cosmos-rus", f.cosmosRUs, 1e6, "units per request"},
		{"eventgrid-ops", f.eventGridOps, 1e6, "operations per request"},
	} {
		if math.IsNaN(q.v) || math.IsInf(q.v, 0) || q.v < 0 || q.v > q.max {
			return fmt.Errorf("--%s %v is not a quantity fnbench can price; give 0 to %v %s", q.flag, q.v, q.max, q.what)
		}
	}
	return nil
}

// costOfRun prices every target of a run, and projects a month when asked.
func costOfRun(cmd *cobra.Command, dir string, table *cost.Table, f *costFlags) ([]byte, error) {
	if f.rps != 0 && f.perMonth != 0 {
		return nil, usageError(errors.New("give --rps or --requests-per-month, not both"))
	}
	if f.rps < 0 || f.perMonth < 0 || math.IsNaN(f.rps) || math.IsInf(f.rps, 0) {
		return nil, usageError(fmt.Errorf("--rps %v and --requests-per-month %d must be positive numbers: give the rate to project a month at, e.g. --rps 20", f.rps, f.perMonth))
	}
	if f.marginal && f.rps == 0 && f.perMonth == 0 {
		return nil, usageError(errors.New("--marginal applies to a monthly projection; add --rps or --requests-per-month"))
	}
	if cmd.Flags().Changed("cold-rate") && f.rps == 0 && f.perMonth == 0 {
		return nil, usageError(errors.New("--cold-rate with a run sets a monthly projection's cold starts; add --rps or --requests-per-month"))
	}
	if math.IsNaN(f.coldRate) || f.coldRate < 0 || f.coldRate > 1 {
		return nil, usageError(fmt.Errorf("--cold-rate %v is not a share of requests; give 0 to 1, e.g. 0.01", f.coldRate))
	}
	if _, _, ok := analyze.SweepRuns(dir); ok {
		if f.format != "text" && f.format != "json" {
			return nil, usageError(fmt.Errorf("--format %q is not supported for a sweep; use text or json", f.format))
		}
		ss, err := analyze.LoadSweep(dir, f.target, f.strategy, analyze.Options{Pricing: table})
		if err != nil {
			return nil, usageError(err)
		}
		var b bytes.Buffer
		if err := report.WriteSweep(&b, f.format, ss); err != nil {
			return nil, runError(err)
		}
		return b.Bytes(), nil
	}
	run, err := analyze.Load(dir)
	if err != nil {
		return nil, usageError(err)
	}
	sum := analyze.SummarizeWith(run, analyze.Options{Pricing: table})
	costs := analyze.PriceRun(table, sum, cost.Options{FreeTier: f.freeTier, NewAccount: f.newAccount})
	project := f.rps > 0 || f.perMonth > 0
	priced := 0
	for i := range costs {
		if !costs[i].Priced {
			continue
		}
		priced++
		if project {
			p := cost.Projection{RPS: f.rps, RequestsPerMonth: f.perMonth, Marginal: f.marginal, NewAccount: f.newAccount}
			if cmd.Flags().Changed("cold-rate") {
				p.ColdRate = &f.coldRate
			}
			m, err := analyze.ProjectTarget(table, sum, i, p)
			if err != nil {
				return nil, usageError(fmt.Errorf("target %s: %w", costs[i].Bill.Target, err))
			}
			costs[i].Monthly = m
		}
	}
	if priced == 0 {
		var why []string
		for i, c := range costs {
			why = append(why, fmt.Sprintf("%s: %s", run.Targets[i].Info.Name, c.Reason))
		}
		return nil, usageError(fmt.Errorf("no target of %s could be priced (%s)", dir, strings.Join(why, "; ")))
	}
	if f.format == "json" {
		doc := struct {
			SchemaVersion int                  `json:"schema_version"`
			Run           string               `json:"run"`
			Pricing       cost.TableRef        `json:"pricing"`
			Targets       []analyze.TargetCost `json:"targets"`
		}{analyze.SchemaVersion, dir, table.Ref(), costs}
		return marshalJSON(doc)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "run %s  prices %s\n", dir, table.Ref())
	for i, c := range costs {
		name := run.Targets[i].Info.Name
		b.WriteString("\n")
		if !c.Priced {
			fmt.Fprintf(&b, "target %s: not priced: %s\n", name, c.Reason)
			continue
		}
		fmt.Fprintf(&b, "target %s: %s\n", name, c.Bill.Basis.Label())
		b.WriteString(c.Bill.Text())
		if c.Monthly != nil {
			b.WriteString("\n")
			b.WriteString(c.Monthly.Text())
		}
	}
	return b.Bytes(), nil
}

func marshalJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, runError(err)
	}
	return append(b, '\n'), nil
}
