package cost

import (
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	for in, want := range map[string]Provider{"aws-lambda": AWSLambda, "AZURE-FLEX": AzureFlex, "azure-flex-consumption": AzureFlex, "azure-premium": AzurePremium, "gcp-cloud-run": CloudRun} {
		if got, err := ParseProvider(in); got != want || err != nil {
			t.Errorf("ParseProvider(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseProvider("aws"); err == nil || !strings.Contains(err.Error(), "azure-consumption") {
		t.Errorf("unknown provider: %v", err)
	}
	// run.json metadata: provider and the scenario's plan.
	for _, tc := range []struct {
		provider, plan string
		want           Provider
	}{
		{"aws-lambda", "lambda", AWSLambda},
		{"azure-functions", "consumption", AzureConsumption},
		{"azure-functions", "flex-consumption", AzureFlex},
		{"azure-functions", "flex", AzureFlex},
		{"azure-functions", "premium", AzurePremium},
	} {
		if got, err := ProviderOf(tc.provider, tc.plan); got != tc.want || err != nil {
			t.Errorf("ProviderOf(%q, %q) = %q, %v", tc.provider, tc.plan, got, err)
		}
	}
	if _, err := ProviderOf("generic", ""); err == nil {
		t.Error("a generic target has a price model")
	}
	if a, _ := ParseArch(""); a != X86_64 {
		t.Errorf("default arch %q", a)
	}
	if g, _ := ParseGateway("none"); g != NoGateway {
		t.Errorf("gateway none = %q", g)
	}
	if _, err := ParsePackaging("jar"); err == nil {
		t.Error("packaging jar accepted")
	}
}

func TestBadInputs(t *testing.T) {
	tab := Default()
	for name, c := range map[string]Calculator{
		"memory too small":        {Provider: AWSLambda, MemoryMB: 64, DurationMs: 1, Requests: 1},
		"cold rate above 1":       {Provider: AWSLambda, MemoryMB: 128, DurationMs: 1, Requests: 1, ColdRate: 2},
		"init and restore":        {Provider: AWSLambda, MemoryMB: 128, DurationMs: 1, Requests: 1, InitMs: 1, RestoreMs: 1, ColdRate: 0.1},
		"flex with memory used":   {Provider: AzureFlex, MemoryMB: 2048, DurationMs: 1, Requests: 1},
		"instance memory, lambda": {Provider: AWSLambda, InstanceMemoryMB: 2048, MemoryMB: 128, DurationMs: 1, Requests: 1},
		"unknown provider":        {Provider: "aws", MemoryMB: 128, DurationMs: 1, Requests: 1},
		"negative duration":       {Provider: AWSLambda, MemoryMB: 128, DurationMs: -1, Requests: 1},
	} {
		if _, err := tab.Calculate(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, u := range map[string]Usage{
		"nothing measured":   {Requests: 10},
		"init beyond billed": {Billed: &Billed{Invocations: 1, DurationMs: 10, InitMs: 11}},
		"negative latency":   {Latency: []LatencyBucket{{Latency: -time.Second, Count: 1}}},
	} {
		if _, err := tab.Price(Config{Provider: AWSLambda, MemoryMB: 128}, u, Options{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Hourly charges need a period.
	if _, err := tab.Price(Config{Provider: AWSLambda, MemoryMB: 128, ProvisionedConcurrency: 1}, Usage{Billed: &Billed{Invocations: 1, DurationMs: 1}}, Options{}); err == nil || !strings.Contains(err.Error(), "no period") {
		t.Errorf("provisioned concurrency without a period: %v", err)
	}
}
