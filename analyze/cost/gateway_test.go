package cost

import "testing"

// Hand-computed Amazon API Gateway vectors, from docs/sources.md, "Amazon API
// Gateway pricing" (function URLs: "AWS Lambda pricing"). They
// check the gateway part alone; the function's own lines are
// tested elsewhere.

func gatewayUSD(t *testing.T, c Calculator) Decimal {
	t.Helper()
	c.Provider, c.MemoryMB, c.DurationMs = AWSLambda, 128, 1
	return calc(t, c).Part(PartGateway)
}

func TestHTTPAPIMeteredIn512KB(t *testing.T) {
	// HTTP APIs $1.00 per M, metered in 512 KB increments: a
	// 513 KB request counts as two. KB = 1,024 bytes (the page is silent;
	// the table says so).
	for _, tc := range []struct {
		bytes int64
		want  string
	}{
		{1024, "1"},      // 1 M units
		{524_288, "1"},   // exactly 512 KB: one unit
		{524_289, "2"},   // one byte over: two
		{525_312, "2"},   // 513 KB: two (the pricing page's example)
		{1_572_865, "4"}, // 1.5 MB + 1 byte: four
		{0, "1"},         // an empty request is still a request
	} {
		exact(t, "HTTP API for 1 M requests", gatewayUSD(t, Calculator{Requests: 1_000_000, Gateway: HTTPAPI, RequestBytes: tc.bytes}), tc.want)
	}

	// From measured sizes: 900,000 small + 50,000 of 512 KB + 50,000 of
	// 513 KB = 1,050,000 units → $1.05.
	u := Usage{
		Billed: &Billed{Invocations: 1_000_000, DurationMs: 1_000_000},
		Sizes:  []SizeBucket{{Bytes: 1000, Count: 900_000}, {Bytes: 524_288, Count: 50_000}, {Bytes: 525_312, Count: 50_000}},
	}
	b, err := Default().Price(Config{Provider: AWSLambda, MemoryMB: 128, Gateway: HTTPAPI}, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "measured sizes", b.Part(PartGateway), "1.05")
}

func TestHTTPAPITiers(t *testing.T) {
	// HTTP APIs: first 300 M $1.00 per M, above 300 M $0.90 per M:
	// 400 M → 300 + 90 = 390.
	exact(t, "400 M HTTP API requests", gatewayUSD(t, Calculator{Requests: 400_000_000, Gateway: HTTPAPI}), "390")
}

func TestRESTAPITiers(t *testing.T) {
	// REST APIs: first 333 M $3.50, next 667 M $2.80, next 19 B $2.38:
	// 1.5 B → 1,165.5 + 1,867.6 + 1,190 = 4,223.1.
	exact(t, "1.5 B REST requests", gatewayUSD(t, Calculator{Requests: 1_500_000_000, Gateway: RESTAPI}), "4223.1")
	// REST APIs are not metered by size (the 512 KB step is HTTP APIs' only).
	exact(t, "REST, 513 KB", gatewayUSD(t, Calculator{Requests: 1_000_000, Gateway: RESTAPI, RequestBytes: 525_312}), "3.5")

	// REST APIs over 20 B $1.51: an account at 19.9 B this month pays
	// 100 M × $2.38 + 100 M × $1.51 = 389 for 200 M more.
	u := Usage{Billed: &Billed{Invocations: 200_000_000, DurationMs: 200_000_000}}
	b, err := Default().Price(Config{Provider: AWSLambda, MemoryMB: 128, Gateway: RESTAPI}, u, Options{Prior: Prior{GatewayRequests: 19_900_000_000}})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "REST past 20 B", b.Part(PartGateway), "389")
	exact(t, "REST tier 4", item(t, b, "API Gateway REST API (tier 4)").Quantity, "100")
}

func TestGatewayFreeTierNewAccounts(t *testing.T) {
	// 1 M calls/month free for 12 months, new accounts only;
	// HTTP APIs $1.00 per M. 3 M: $2 with it, $3 without.
	c := Calculator{Requests: 3_000_000, Gateway: HTTPAPI, FreeTier: true}
	exact(t, "free tier, old account", gatewayUSD(t, c), "3")
	c.NewAccount = true
	exact(t, "free tier, new account", gatewayUSD(t, c), "2")
}

func TestFunctionURLAddsNothing(t *testing.T) {
	// "AWS Lambda pricing": function URLs add no charge beyond Lambda's own.
	c := Calculator{Provider: AWSLambda, MemoryMB: 512, DurationMs: 120, Requests: 3_000_000}
	plain := calc(t, c)
	c.Gateway = FunctionURL
	url := calc(t, c)
	if url.TotalUSD.Cmp(plain.TotalUSD) != 0 || hasItem(url, "API Gateway") {
		t.Errorf("function URL total %s, without %s", url.TotalUSD, plain.TotalUSD)
	}
}
