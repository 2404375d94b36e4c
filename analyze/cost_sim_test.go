package analyze

import (
	"math/big"
	"path/filepath"
	"testing"

	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
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
