package cost

import (
	"encoding/json"
	"testing"
	"time"
)

// The calculator's example from issue 5, with every Lambda line at once.
var lambdaExample = Calculator{
	Provider: AWSLambda, Arch: ARM64, MemoryMB: 512, DurationMs: 120, Requests: 3_000_000,
	InitMs: 300, ColdRate: 0.01, Gateway: HTTPAPI, EphemeralMB: 2048,
	PerRequest: PerRequest{DynamoDBReadUnits: 1, DynamoDBWriteUnits: 1},
}

func TestGoldenText(t *testing.T) {
	for _, tc := range []struct {
		file string
		c    Calculator
	}{
		{"lambda-arm64.txt", lambdaExample},
		{"lambda-free-tier.txt", Calculator{Provider: AWSLambda, MemoryMB: 1024, DurationMs: 100, Requests: 5_000_000, FreeTier: true}},
		{"azure-consumption.txt", Calculator{Provider: AzureConsumption, MemoryMB: 200, DurationMs: 50, Requests: 3_000_000, PerRequest: PerRequest{CosmosDBRUs: 3}}},
		{"azure-flex.txt", Calculator{Provider: AzureFlex, InstanceMemoryMB: 2048, DurationMs: 4000, Requests: 72_000, AlwaysReady: 1, Hours: 1}},
		{"azure-premium.txt", Calculator{Provider: AzurePremium, Requests: 3_000_000}},
	} {
		golden(t, tc.file, []byte(calc(t, tc.c).Text()))
	}
}

func TestGoldenJSON(t *testing.T) {
	b, err := json.MarshalIndent(calc(t, lambdaExample), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "lambda-arm64.json", append(b, '\n'))
}

func TestGoldenEstimateAndProjection(t *testing.T) {
	u := Usage{Latency: []LatencyBucket{
		{Latency: 30 * time.Millisecond, Count: 9000},
		{Latency: 2500 * time.Millisecond, Count: 1000},
	}}
	cfg := Config{Provider: AzureConsumption, MemoryMB: 300}
	b, err := Default().Price(cfg, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "azure-consumption-estimate.txt", []byte(b.Text()))

	m, err := Default().Project(Config{Provider: AWSLambda, Arch: ARM64, MemoryMB: 512, Gateway: HTTPAPI}, measured120(), Projection{RPS: 500})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "lambda-projection.txt", []byte(m.Text()))
}
