package cost

import (
	"encoding/json"
	"testing"
)

// The workload: 50 M requests a month of 200 ms at 512 MB, on four
// providers, with the month at 20/s.
var crossProvider = Calculator{MemoryMB: 512, DurationMs: 200, Requests: 50_000_000}

func crossProviders() []Provider {
	return []Provider{AWSLambda, AzureConsumption, AzureFlex, CloudRun}
}

func TestCompareGolden(t *testing.T) {
	c, err := Default().Compare(crossProvider, crossProviders(), 20)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.txt", []byte(c.Text()))
	golden(t, "compare.md", []byte(c.Markdown()))
	golden(t, "compare.csv", []byte(c.CSV()))
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.json", append(b, '\n'))
}

// Each bill of the table is the bill a single-provider call gives, and the
// table's figures are those bills'.
func TestCompareMatchesSingleProviderBills(t *testing.T) {
	c, err := Default().Compare(crossProvider, crossProviders(), 0)
	if err != nil {
		t.Fatal(err)
	}
	singles := []Calculator{
		{Provider: AWSLambda, MemoryMB: 512, DurationMs: 200, Requests: 50_000_000},
		{Provider: AzureConsumption, MemoryMB: 512, DurationMs: 200, Requests: 50_000_000},
		{Provider: AzureFlex, InstanceMemoryMB: 512, DurationMs: 200, Requests: 50_000_000},
		{Provider: CloudRun, MemoryMB: 512, DurationMs: 200, Requests: 50_000_000},
	}
	for i, s := range singles {
		want := calc(t, s)
		if c.Bills[i].TotalUSD.Cmp(want.TotalUSD) != 0 || c.Rows[i].MarginalUSD.Cmp(want.TotalUSD) != 0 {
			t.Errorf("%s: table %s, single call %s", s.Provider, c.Bills[i].TotalUSD, want.TotalUSD)
		}
		s.FreeTier = true
		if free := calc(t, s); c.Rows[i].FreeTierUSD.Cmp(free.TotalUSD) != 0 {
			t.Errorf("%s with the free tier: table %s, single call %s", s.Provider, c.Rows[i].FreeTierUSD, free.TotalUSD)
		}
	}
	// Lambda's cheaper architecture is arm64 at the same memory.
	if c.Rows[0].Cheapest != "arm64, 512 MB" || c.Rows[0].CheapestPerMillion == nil {
		t.Errorf("cheapest Lambda configuration %q", c.Rows[0].Cheapest)
	}
	// A range is judged at its upper end: Flex's, $2.45 per million, loses
	// to Consumption's $1.80.
	if c.Cheapest == nil || c.Cheapest.Provider != AzureConsumption {
		t.Errorf("cheapest %+v", c.Cheapest)
	}
}
