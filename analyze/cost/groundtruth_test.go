package cost

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"
)

// simInvocation is one request as the simulator bills it (fixtures/sim
// billing.go, after docs/sources.md, "AWS Lambda pricing"): handler time,
// and a cold start's INIT
// or SnapStart restore.
type simInvocation struct {
	handler, init, billedRestore time.Duration
	memoryMB                     int
}

func (s simInvocation) billed() time.Duration {
	switch {
	case s.billedRestore > 0:
		return ceilMs(s.handler) + s.billedRestore
	case s.init > 0:
		return ceilMs(s.handler + s.init)
	}
	return max(ceilMs(s.handler), time.Millisecond)
}

// TestMeasuredCostMatchesGroundTruth sums REPORT figures as the analysis
// will (LambdaInvocation, Billed.Add) and compares the bill with the cost of
// each invocation computed on its own: equal exactly, so to the cent.
func TestMeasuredCostMatchesGroundTruth(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	price := Default().Lambda.Duration.ARM64[0].USD.rat() // "AWS Lambda pricing": arm64 tier 1
	perRequest := big.NewRat(2, 10_000_000)               // "AWS Lambda pricing": $0.20 per 1 M
	truth := new(big.Rat)
	var billed Billed
	const n = 200_000
	for i := range n {
		s := simInvocation{handler: time.Duration(rng.Int64N(int64(300 * time.Millisecond))), memoryMB: 512}
		if i%500 == 0 { // a configuration change half-way through the run
			s.memoryMB = 1024
		}
		switch {
		case i%97 == 0:
			s.init = time.Duration(rng.Int64N(int64(2 * time.Second)))
		case i%89 == 0:
			s.billedRestore = time.Duration(rng.Int64N(800)) * time.Millisecond
		}
		b := s.billed()
		// Truth: this invocation's billed GB-s at the price, plus its request.
		gbs := new(big.Rat).SetFrac64(b.Milliseconds()*int64(s.memoryMB), 1_024_000)
		truth.Add(truth, gbs.Mul(gbs, price))
		truth.Add(truth, perRequest)

		billed.Add(LambdaInvocation(s.handler, b, s.init, s.billedRestore, s.memoryMB))
	}
	bill, err := Default().Price(Config{Provider: AWSLambda, Arch: ARM64, MemoryMB: 512}, Usage{Billed: &billed}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bill.TotalUSD.Cmp(dec(truth)) != 0 {
		t.Errorf("measured %s, ground truth %s", bill.TotalUSD, dec(truth))
	}
	if got, want := bill.TotalUSD.Cents(), dec(truth).Cents(); got != want {
		t.Errorf("to the cent: %d, ground truth %d", got, want)
	}
	if bill.Part(PartInit).Sign() <= 0 || bill.Estimate {
		t.Errorf("INIT and restore not split out, or labelled an estimate: %+v", bill.PerMillionByPart)
	}
}

// TestAzureMeasuredMatchesGroundTruth does the same for Azure Consumption's
// rules (docs/sources.md, "Azure Functions pricing"): observed memory
// rounded up to 128 MB, 100 ms minimum.
func TestAzureMeasuredMatchesGroundTruth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	price := Default().Azure.Consumption.ExecutionTime.USD.rat()
	truth := new(big.Rat)
	var billed Billed
	const n = 50_000
	for range n {
		handler := time.Duration(rng.Int64N(int64(400 * time.Millisecond)))
		used := 20 + rng.IntN(1600)
		mem := min(max((used+127)/128*128, 128), 1536)
		b := max(ceilMs(handler), 100*time.Millisecond)
		truth.Add(truth, new(big.Rat).Mul(new(big.Rat).SetFrac64(b.Milliseconds()*int64(mem), 1_024_000), price))
		truth.Add(truth, big.NewRat(2, 10_000_000))
		billed.Add(Invocation{Billed: b, MemoryMB: mem})
	}
	bill, err := Default().Price(Config{Provider: AzureConsumption}, Usage{Billed: &billed}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bill.TotalUSD.Cmp(dec(truth)) != 0 {
		t.Errorf("measured %s, ground truth %s", bill.TotalUSD, dec(truth))
	}
}
