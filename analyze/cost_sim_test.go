package analyze

import (
	"math/big"
	"path/filepath"
	"testing"

	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/rundir"
)

// On a simulator run with known ground truth (every invocation's billed
// duration and memory, as the simulator's REPORT lines state them), the
// cost per million requests measured from the run matches the cost of the
// invocations computed one by one, to the cent (in fact exactly). The
// price per GB-s and per request and the billed duration (1 ms rounding,
// INIT billed) are docs/sources.md, "AWS Lambda pricing"; the
// simulator applies.
func TestMeasuredCostMatchesSimulatorTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator")
	}
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"aws-go-hello"}, Seed: 11})
	dir := filepath.Join(t.TempDir(), "run")
	runScenario(t, s, `
name: cost-truth
seed: 1
interval: 250ms
targets:
  - {name: invoke, kind: aws-lambda, function: hello, endpoint: sim://aws-go-hello, payload: '{"n":{{seq}}}', architecture: x86_64}
traffic:
  phases:
    - {name: burst, shape: constant, rate: 200/s, duration: 1s}
    - {name: ramp, shape: ramp, rate: 50/s, to: 400/s, duration: 1s}
`, dir)
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tc := Summarize(r).Tables[0].Cost
	if !tc.Priced || !tc.Measured || tc.Bill == nil {
		t.Fatalf("cost %+v: want a bill from measured billing", tc)
	}
	table := cost.Default()
	gbSecond := table.Lambda.Duration.X86_64[0].USD.Rat() // x86_64 tier 1
	perRequest := new(big.Rat).Quo(table.Lambda.Requests.USD.Rat(), big.NewRat(table.Lambda.Requests.Per, 1))
	truth := new(big.Rat)
	var invocations, colds int64
	for _, inv := range s.Truth() {
		if inv.BilledDuration <= 0 {
			continue // throttled or refused: not billed
		}
		invocations++
		if inv.InitDuration > 0 {
			colds++
		}
		gbs := big.NewRat(inv.BilledDuration.Milliseconds()*int64(inv.MemoryMB), 1_024_000)
		truth.Add(truth, gbs.Mul(gbs, gbSecond))
		truth.Add(truth, perRequest)
	}
	if invocations < 400 || colds == 0 {
		t.Fatalf("ground truth has %d billed invocations, %d cold: too few to test", invocations, colds)
	}
	if got := tc.Bill.Requests.Rat(); got.Cmp(big.NewRat(invocations, 1)) != 0 {
		t.Errorf("priced %s requests, the simulator billed %d", got.RatString(), invocations)
	}
	perMillion := new(big.Rat).Mul(truth, big.NewRat(1_000_000, invocations))
	if got, want := tc.Bill.PerMillionUSD.Cents(), cents(perMillion); got != want {
		t.Errorf("cost per million %s USD (%d cents), ground truth %s (%d cents)", tc.Bill.PerMillionUSD, got, perMillion.FloatString(9), want)
	}
	if tc.Bill.TotalUSD.Rat().Cmp(truth) != 0 {
		t.Errorf("total %s USD, ground truth %s", tc.Bill.TotalUSD, truth.FloatString(15))
	}
	t.Logf("%d invocations (%d cold): %s USD per million, ground truth %s", invocations, colds, tc.Bill.PerMillionUSD, perMillion.FloatString(12))
}

// cents rounds a positive amount in USD to whole cents, halves up.
func cents(usd *big.Rat) int64 {
	c := new(big.Rat).Mul(usd, big.NewRat(100, 1))
	c.Add(c, big.NewRat(1, 2))
	return new(big.Int).Quo(c.Num(), c.Denom()).Int64()
}

// On a simulated Flex Consumption app whose executions overlap on their
// instances, the bill fnbench measures from the function's markers
// (instance, execution time), by execution periods (attack's execPeriods,
// streaming, during the run), equals the simulator's own bill of the same
// executions (fixtures/sim's flexLedger, from every span at once) to the
// cent: $0.000026 per GB-s at the 2,048 MB instance memory, $0.40 per
// million executions, each period at least 1,000 ms, then 100 ms steps
// (docs/sources.md, "Azure Functions pricing").
func TestFlexMeasuredCostMatchesSimulatorTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator")
	}
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"azure-flex-python"}, Seed: 5})
	dir := filepath.Join(t.TempDir(), "run")
	runScenario(t, s, `
name: flex-truth
seed: 3
interval: 250ms
targets:
  - {name: flex, url: sim://azure-flex-python/flex-node, auth: {type: azure-function-key, value: fnbench-sim-function-key}}
traffic:
  phases:
    - {name: busy, shape: constant, rate: 300/s, duration: 1s}
    - {name: gap, shape: pause, duration: 1500ms}
    - {name: trickle, shape: constant, rate: 4/s, duration: 2s}
`, dir)
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tc := Summarize(r).Tables[0].Cost
	if !tc.Priced || tc.Bill == nil || tc.Bill.Basis != cost.BasisMarkers {
		t.Fatalf("cost %+v: want a bill from the function's markers", tc)
	}
	bills := s.FlexBilling()
	if len(bills) != 1 {
		t.Fatalf("simulator bills %+v", bills)
	}
	sb := bills[0]
	table := cost.Default()
	fp := table.Azure.Flex
	truth := new(big.Rat).Mul(big.NewRat(sb.MBms, 1_024_000), fp.OnDemandExecutionTime.USD.Rat())
	truth.Add(truth, new(big.Rat).Mul(big.NewRat(sb.Executions, fp.OnDemandExecutions.Per), fp.OnDemandExecutions.USD.Rat()))
	if sb.Periods <= int64(sb.Instances) || sb.Executions <= sb.Periods*2 {
		t.Fatalf("ground truth %+v: want several periods per instance and overlapping executions", sb)
	}
	if got := tc.Bill.Requests.Rat(); got.Cmp(big.NewRat(sb.Executions, 1)) != 0 {
		t.Errorf("priced %s executions, the simulator ran %d", got.RatString(), sb.Executions)
	}
	if got, want := tc.Bill.TotalUSD.Cents(), cents(truth); got != want {
		t.Errorf("measured %s USD (%d cents), ground truth %s (%d cents)", tc.Bill.TotalUSD, got, truth.FloatString(9), want)
	}
	var measured rundir.MarkerBilling
	for _, iv := range r.Targets[0].Intervals {
		if iv.Billing != nil && iv.Billing.Markers != nil {
			measured.Merge(iv.Billing.Markers)
		}
	}
	if measured.Periods != sb.Periods || measured.PeriodBilledMs != sb.BilledMs {
		t.Errorf("fnbench measured %d periods, %d ms billed; the simulator billed %d periods, %d ms", measured.Periods, measured.PeriodBilledMs, sb.Periods, sb.BilledMs)
	}
	if tc.Bill.TotalUSD.Rat().Cmp(truth) != 0 {
		t.Errorf("total %s USD, ground truth %s: want them equal", tc.Bill.TotalUSD, truth.FloatString(12))
	}
	t.Logf("simulator: %d executions on %d instances, %d periods, %d ms billed; fnbench: %d executions (%d timed), %d periods, %d ms billed; %s USD, truth %s",
		sb.Executions, sb.Instances, sb.Periods, sb.BilledMs, measured.Executions, measured.Timed, measured.Periods, measured.PeriodBilledMs, tc.Bill.TotalUSD, truth.FloatString(9))
}
