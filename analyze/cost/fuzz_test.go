package cost

import (
	"errors"
	"testing"

	"github.com/fnbench/fnbench/scenarios"
)

// FuzzParse feeds whole pricing files to Parse: it must never panic or
// hang, every failure is *Errors whose entries carry a position, and a table
// it accepts prices every provider without panicking.
func FuzzParse(f *testing.F) {
	f.Add(embedded)
	for _, s := range []string{
		"", "---\n", "format: 1\nversion: v\ndate: 2026-01-01\n",
		"format: 1\nversion: v\ndate: 2026-01-01\naws_lambda:\n  duration:\n    x86_64: [{usd: 0.1}]\n",
		"format: 1\nversion: v\ndate: 2026-01-01\napi_gateway:\n  http_api: [{up_to: 5, usd: 1}, {usd: 0}]\n  http_api_meter_bytes: {value: 0}\n",
		"format: 1\nversion: v\ndate: 2026-01-01\nazure_functions:\n  flex:\n    instance_memory_mb: []\n    instance_concurrency: [{memory_mb: 2048, requests: 0}]\n",
		"a: &a [*a, *a, *a]\nb: &b [*a, *a, *a]\n", "<<: {format: 1}\n", "format: [\n", "format: 1\nversion: v\ndate: 2026-01-01\nhours_per_month: {value: 0}\n",
		"format: 1\nversion: v\ndate: 2026-01-01\ncosmos_db: {request_units: {usd: 99999999999999999999999999999999999999}}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		tab, err := Parse("fuzz.yaml", src)
		if err != nil {
			var errs *scenarios.Errors
			if !errors.As(err, &errs) || len(errs.List) == 0 {
				t.Fatalf("error %v (%T) is not a non-empty *scenarios.Errors", err, err)
			}
			for _, e := range errs.List {
				if e.File != "fuzz.yaml" || e.Line < 1 || e.Col < 1 {
					t.Fatalf("error without a position: %+v", e)
				}
			}
			return
		}
		for _, c := range []Calculator{
			{Provider: AWSLambda, Arch: ARM64, MemoryMB: 512, DurationMs: 120, Requests: 1000, InitMs: 10, ColdRate: 0.5, Gateway: HTTPAPI, RequestBytes: 1 << 20, EphemeralMB: 1024, SnapStart: true, PerRequest: PerRequest{DynamoDBReadUnits: 1, EventGridOps: 1}, FreeTier: true, NewAccount: true},
			{Provider: AWSLambda, MemoryMB: 512, DurationMs: 1, Requests: 10, ProvisionedConcurrency: 1, Gateway: RESTAPI},
			{Provider: AzureConsumption, MemoryMB: 300, DurationMs: 10, Requests: 10, FreeTier: true},
			{Provider: AzureFlex, InstanceMemoryMB: 2048, DurationMs: 10, Requests: 10, AlwaysReady: 1},
			{Provider: AzurePremium, Requests: 10},
			{Provider: CloudRun, MemoryMB: 512, DurationMs: 10, Requests: 10, FreeTier: true},
		} {
			if b, err := tab.Calculate(c); err == nil {
				_ = b.Text()
			}
		}
	})
}
