package cost

import (
	"strings"
	"testing"
	"time"
)

// measured120 is 1,000 measured invocations of 120 ms at 512 MB.
func measured120() Usage {
	var b Billed
	for range 1000 {
		b.Add(Invocation{Billed: 120 * time.Millisecond, MemoryMB: 512})
	}
	return Usage{Billed: &b}
}

func TestProjectionMonthAt500RPS(t *testing.T) {
	// A month is 730 h (the table's hours_per_month; docs/sources.md,
	// "Assumptions fnbench makes"):
	// 500 rps × 2,628,000 s = 1,314,000,000 requests.
	// × 0.12 s × 0.5 GB = 78,840,000 GB-s. "AWS Lambda pricing": free 400,000 GB-s and
	// 1 M requests; arm64 tier 1: 78,440,000 × 0.0000133334 =
	// 1,045.871896; requests 1,313 × 0.20 = 262.6.
	cfg := Config{Provider: AWSLambda, Arch: ARM64, MemoryMB: 512}
	m, err := Default().Project(cfg, measured120(), Projection{RPS: 500})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "requests per month", m.RequestsPerMonth, "1314000000")
	exact(t, "monthly", m.Cost.TotalUSD, "1308.471896")
	if !m.Cost.FreeTier {
		t.Error("a projection applies the free tier by default")
	}
	// "Scaling and throttling": one request per environment: 500 × 0.12 s = 60 in flight,
	// against the account's 1,000.
	c := m.Capacity
	if c.InFlight != 60 || c.Instances != 60 || c.PerInstance != 1 || len(c.Limits) != 1 || c.Limits[0].Max != 1000 || c.Limits[0].Exceeded {
		t.Errorf("capacity %+v", c)
	}

	// Marginal: 78,840,000 × 0.0000133334 + 1,314 × 0.20.
	m, err = Default().Project(cfg, measured120(), Projection{RequestsPerMonth: 1_314_000_000, Marginal: true})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "marginal monthly", m.Cost.TotalUSD, "1314.005256")
}

func TestProjectionOverLimits(t *testing.T) {
	// "Scaling and throttling": account concurrency 1,000: 12,000 rps × 0.12 s = 1,440.
	// API Gateway 10,000 rps per account.
	cfg := Config{Provider: AWSLambda, Arch: ARM64, MemoryMB: 512, Gateway: HTTPAPI}
	m, err := Default().Project(cfg, measured120(), Projection{RPS: 12_000})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Capacity.Limits) != 2 || !m.Capacity.Limits[0].Exceeded || !m.Capacity.Limits[1].Exceeded {
		t.Fatalf("limits %+v", m.Capacity.Limits)
	}
	if m.Capacity.Limits[0].Need != 1440 || m.Capacity.Limits[1].Need != 12000 {
		t.Errorf("needs %+v", m.Capacity.Limits)
	}
	if !strings.Contains(m.Text(), "EXCEEDS the limit of 1000") {
		t.Errorf("text does not flag the limit:\n%s", m.Text())
	}
}

func TestProjectionFlexInstances(t *testing.T) {
	// "Scaling and throttling": 16 HTTP requests per 2,048 MB Flex instance, 1,000
	// instances at most. 100 rps × 200 ms of client latency = 20 in flight
	// → 2 instances.
	u := Usage{Latency: []LatencyBucket{{Latency: 200 * time.Millisecond, Count: 100}}}
	m, err := Default().Project(Config{Provider: AzureFlex, MemoryMB: 2048}, u, Projection{RPS: 100})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Capacity; c.InFlight != 20 || c.PerInstance != 16 || c.Instances != 2 || c.Limits[0].Max != 1000 {
		t.Errorf("capacity %+v", c)
	}
	if !m.Cost.Estimate {
		t.Error("a projection from latency is an estimate")
	}
}

func TestProjectionNeedsOneRate(t *testing.T) {
	for _, p := range []Projection{{}, {RPS: 1, RequestsPerMonth: 1}, {RPS: -1}} {
		if _, err := Default().Project(Config{Provider: AWSLambda, MemoryMB: 512}, measured120(), p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

// A short run is mostly cold starts; a month at a steady rate is not. The
// projection prices its own cold starts, modelled from the rate and the
// keep-alive (390 s: "Scaling and throttling"), at the run's mean INIT
// cost, and never scales the run's share up.
func TestProjectionModelsColdStarts(t *testing.T) {
	// 100 invocations of 100 ms at 1,024 MB, 10 of them cold with 1 s of
	// INIT billed: 10% cold.
	var b Billed
	for i := range 100 {
		inv := Invocation{Billed: 100 * time.Millisecond, MemoryMB: 1024}
		if i%10 == 0 {
			inv = Invocation{Billed: 1100 * time.Millisecond, MemoryMB: 1024, Init: time.Second}
		}
		b.Add(inv)
	}
	u := Usage{Billed: &b, Colds: 10}
	cfg := Config{Provider: AWSLambda, MemoryMB: 1024}
	// At 50/s over 730 h: 131,400,000 requests. Gaps beyond 390 s never
	// happen (e^−19,500); the environments the load needs, ⌈50/s × 0.2 s⌉
	// = 10 at the run's mean billed 200 ms, start once: 10 cold starts,
	// 10 GB-s of INIT, where the run's 10% would be 13,140,000 GB-s.
	m, err := Default().Project(cfg, u, Projection{RPS: 50, Marginal: true})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "INIT GB-s", item(t, m.Cost, "init (x86_64, tier 1)").Quantity, "10")
	if notes := strings.Join(m.Cost.Notes, "\n"); !strings.Contains(notes, "modelled") || !strings.Contains(notes, "is not extrapolated") {
		t.Errorf("notes do not say the cold share was modelled, not extrapolated: %s", notes)
	}
	// Given: 1% of the month cold, 1,314,000 cold starts × 1 GB-s.
	rate := 0.01
	m, err = Default().Project(cfg, u, Projection{RPS: 50, Marginal: true, ColdRate: &rate})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "INIT GB-s at 1%", item(t, m.Cost, "init (x86_64, tier 1)").Quantity, "1314000")
}
