package cost

import (
	"strings"
	"testing"
	"time"
)

// Hand-computed Azure Functions vectors. The prices and rules are
// docs/sources.md, "Azure Functions pricing"; instance concurrency is
// "Scaling and throttling".

func TestConsumptionRoundingAndMinimums(t *testing.T) {
	// Consumption: $0.000016 per GB-s, $0.20 per M executions; observed
	// memory rounded up to 128 MB, minimum 100 ms and 128 MB.
	for _, tc := range []struct {
		name       string
		observedMB int
		durationMs float64
		wantGBs    string
		wantTotal  string
	}{
		// 200 MB → 256 MB; 50 ms → 100 ms: 1 M × 0.1 s × 0.25 GB = 25,000
		// GB-s → 0.40, plus 0.20.
		{"100 ms minimum, 128 MB rounding", 200, 50, "25000", "0.6"},
		// 64 MB → 128 MB minimum; 100.2 ms → 101 ms: 1 M × 0.101 × 0.125 =
		// 12,625 GB-s → 0.202, plus 0.20.
		{"128 MB minimum, 1 ms rounding", 64, 100.2, "12625", "0.402"},
		// 1,500 MB → 1,536 MB (the maximum): 3 M × 1 s × 1.5 GB = 4.5 M
		// GB-s → 72, plus 3 × 0.20.
		{"rounded to the 1,536 MB maximum", 1500, 1000, "4500000", "72.6"},
	} {
		requests := int64(1_000_000)
		if tc.observedMB == 1500 {
			requests = 3_000_000
		}
		b := calc(t, Calculator{Provider: AzureConsumption, MemoryMB: tc.observedMB, DurationMs: tc.durationMs, Requests: requests})
		exact(t, tc.name+": GB-s", item(t, b, "execution time").Quantity, tc.wantGBs)
		exact(t, tc.name+": total", b.TotalUSD, tc.wantTotal)
	}
}

func TestConsumptionFreeGrant(t *testing.T) {
	// Consumption free grant 400,000 GB-s and 1 M executions per month:
	// (4.5 M − 0.4 M) GB-s × 0.000016 = 65.6; (3 M − 1 M) × $0.20/M = 0.40.
	b := calc(t, Calculator{Provider: AzureConsumption, MemoryMB: 1500, DurationMs: 1000, Requests: 3_000_000, FreeTier: true})
	exact(t, "with the grant", b.TotalUSD, "66")
	// 25,000 GB-s and 1 M executions fit in the grant entirely.
	b = calc(t, Calculator{Provider: AzureConsumption, MemoryMB: 200, DurationMs: 50, Requests: 1_000_000, FreeTier: true})
	exact(t, "inside the grant", b.TotalUSD, "0")
}

func TestConsumptionMeasuredExecutionUnits(t *testing.T) {
	// Consumption execution units in MB-ms, divided by 1,024,000 for GB-s:
	// 100 ms × 128 + 250 ms × 256 + 1,000 ms × 1,536 = 1,612,800 MB-ms =
	// 1.575 GB-s × 0.000016 = 0.0000252; 3 executions × $0.20/M = 0.0000006.
	var billed Billed
	for _, inv := range []Invocation{
		{Billed: 100 * time.Millisecond, MemoryMB: 128},
		{Billed: 250 * time.Millisecond, MemoryMB: 256},
		{Billed: 1000 * time.Millisecond, MemoryMB: 1536},
	} {
		billed.Add(inv)
	}
	b, err := Default().Price(Config{Provider: AzureConsumption}, Usage{Billed: &billed}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "GB-s", item(t, b, "execution time").Quantity, "1.575")
	exact(t, "total", b.TotalUSD, "0.0000258")
}

func TestConsumptionUnknownMemoryIsARange(t *testing.T) {
	// Consumption minimum 100 ms: 30 ms of client latency bills 100 ms. With
	// the memory unknown the bill is a range, 128 MB to the 1,536 MB
	// maximum, never the maximum alone: 10 × 0.1 s × 0.125 GB = 0.125 GB-s
	// to 1.5 GB-s.
	u := Usage{Latency: []LatencyBucket{{Latency: 30 * time.Millisecond, Count: 10}}}
	b, err := Default().Price(Config{Provider: AzureConsumption}, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "GB-s, lower end", item(t, b, "execution time").Quantity, "0.125")
	if b.Basis != BasisRange || b.High == nil || !b.Estimate {
		t.Fatalf("basis %q, high %v: want a range", b.Basis, b.High)
	}
	exact(t, "GB-s, upper end", item(t, b.High, "execution time").Quantity, "1.5")
	// Given the memory used, one figure (an estimate: client latency).
	b, err = Default().Price(Config{Provider: AzureConsumption, MemoryMB: 200}, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "GB-s at 200 MB used (256 MB billed)", item(t, b, "execution time").Quantity, "0.25")
	if b.Basis != BasisEstimate || b.High != nil {
		t.Errorf("basis %q: want an estimate", b.Basis)
	}
}

// Microsoft's published Flex Consumption example ("Estimating
// consumption-based costs", Flex tab; docs/sources.md, "Azure Functions
// pricing"): 40 requests/s, 2,048 MB instances, no always-ready, on-demand
// prices without the free grant. CPU-bound, 10 instances continuously
// active: 10 × 2 GB × 3,600 s = 72,000 GB-s × $0.000026 = $1.872, plus
// 144,000 executions × $0.40/M = $0.0576: $1.9296 an hour. IO-bound, one
// instance: 7,200 GB-s → $0.1872, plus $0.0576: $0.2448.
func TestFlexMicrosoftExample(t *testing.T) {
	b := calc(t, Calculator{Provider: AzureFlex, InstanceMemoryMB: 2048, BusyInstances: 10, Hours: 1, Requests: 144_000})
	exact(t, "GB-s", item(t, b, "execution time (on demand)").Quantity, "72000")
	exact(t, "CPU-bound", b.TotalUSD, "1.9296")
	if b.Basis != BasisCalculated || b.Estimate {
		t.Errorf("basis %q: busy instances give one figure", b.Basis)
	}
	b = calc(t, Calculator{Provider: AzureFlex, InstanceMemoryMB: 2048, BusyInstances: 1, Hours: 1, Requests: 144_000})
	exact(t, "IO-bound", b.TotalUSD, "0.2448")
}

func TestFlexRangeFromDuration(t *testing.T) {
	// Without busy instances, Flex's periods are not known: a range. Over a
	// month of 730 h (2,628,000 s), 1 M requests of 120 ms on 2,048 MB
	// instances serving 16 at once ("Scaling and throttling").
	// Lower end, never idle: 1 M × 0.12 s / 16 = 7,500 s × 2 GB = 15,000
	// GB-s → $0.39, plus $0.40. Upper end, one period per execution, at
	// least 1,000 ms: 2 M GB-s → $52, plus $0.40 (fewer than one instance
	// busy all month, 2,628,000 s).
	b := calc(t, Calculator{Provider: AzureFlex, InstanceMemoryMB: 2048, DurationMs: 120, Requests: 1_000_000})
	if b.Basis != BasisRange || b.High == nil {
		t.Fatalf("basis %q: want a range", b.Basis)
	}
	exact(t, "lower end", b.TotalUSD, "0.79")
	exact(t, "upper end", b.High.TotalUSD, "52.4")
	// 100 ms steps: 1,050 ms → 1,100 ms: 2.2 M GB-s → $57.2, plus $0.40.
	b = calc(t, Calculator{Provider: AzureFlex, InstanceMemoryMB: 2048, DurationMs: 1050, Requests: 1_000_000})
	exact(t, "upper end, 100 ms steps", b.High.TotalUSD, "57.6")
	// The case: 50 M requests of 200 ms on 512 MB instances (4 at
	// once) in a month: 3.8 in flight on average, 11 at the Poisson 99.9th
	// percentile, so three instances busy all month bound the upper end:
	// 3 × 2,628,000 s × 0.5 GB = 3,942,000 GB-s → $102.492, where one
	// period per request would bill 25 M GB-s. Lower end: 50 M × 0.2 s / 4
	// × 0.5 GB = 1,250,000 GB-s → $32.5. Executions $20.
	b = calc(t, Calculator{Provider: AzureFlex, InstanceMemoryMB: 512, DurationMs: 200, Requests: 50_000_000})
	exact(t, "50 M, lower end", b.TotalUSD, "52.5")
	exact(t, "50 M, upper end", b.High.TotalUSD, "122.492")
	// Flex free grant 100,000 GB-s and 250,000 executions, at the upper
	// end of the first case: 1.9 M × 0.000026 = 49.4; 0.75 M × $0.40/M = 0.30.
	b = calc(t, Calculator{Provider: AzureFlex, InstanceMemoryMB: 2048, DurationMs: 120, Requests: 1_000_000, FreeTier: true})
	exact(t, "with the grant", b.High.TotalUSD, "49.7")
	// Python runs one request per instance: the lower end is 16 × higher.
	b = calc(t, Calculator{Provider: AzureFlex, InstanceMemoryMB: 2048, DurationMs: 120, Requests: 1_000_000, Language: "python"})
	exact(t, "python, lower end", b.TotalUSD, "6.64")
	// Flex bills configured memory, one of 512, 2048 or 4096 MB.
	if _, err := Default().Calculate(Calculator{Provider: AzureFlex, InstanceMemoryMB: 1000, DurationMs: 1, Requests: 1}); err == nil {
		t.Error("1,000 MB Flex instances accepted")
	}
}

func TestFlexAlwaysReady(t *testing.T) {
	// Flex always ready: baseline $0.000004/GB-s, execution
	// $0.000016/GB-s, $0.40 per M executions, no free grant.
	//
	// One 2 GB instance ready and busy for 1 h: 7,200 GB-s baseline →
	// 0.0288; its execution 7,200 GB-s → 0.1152; 36,000 executions → 0.0144.
	b := calc(t, Calculator{Provider: AzureFlex, InstanceMemoryMB: 2048, BusyInstances: 1, Requests: 36_000, AlwaysReady: 1, Hours: 1, FreeTier: true})
	exact(t, "baseline", item(t, b, "always-ready baseline").USD, "0.0288")
	exact(t, "total", b.TotalUSD, "0.1584")

	// Two busy, one of them always ready: half the time and executions on
	// demand ($0.000026, $0.40/M): 7,200 GB-s → 0.1872, 36,000 → 0.0144.
	b = calc(t, Calculator{Provider: AzureFlex, InstanceMemoryMB: 2048, BusyInstances: 2, Requests: 72_000, AlwaysReady: 1, Hours: 1})
	exact(t, "always-ready time", item(t, b, "execution time (always ready)").USD, "0.1152")
	exact(t, "on-demand time", item(t, b, "execution time (on demand)").USD, "0.1872")
	exact(t, "total", b.TotalUSD, "0.36")
}

func TestPremiumInstanceHours(t *testing.T) {
	// Premium EP1 = 1 vCPU, 3.5 GB at about $0.173 per vCPU-hour and
	// $0.0123 per GB-hour; at least one instance always billed.
	// A month of 730 h (the table's hours_per_month): 126.29 + 31.4265.
	b := calc(t, Calculator{Provider: AzurePremium, Requests: 3_000_000})
	exact(t, "vCPU-hours", item(t, b, "Premium EP1 vCPU").USD, "126.29")
	exact(t, "GB-hours", item(t, b, "Premium EP1 memory").Quantity, "2555")
	exact(t, "total", b.TotalUSD, "157.7165")
	if !strings.Contains(strings.Join(b.Notes, "\n"), "one month of 730 h") {
		t.Errorf("the assumed month is not noted: %q", b.Notes)
	}
	// Two instances for 10 h: 20 × 0.173 = 3.46; 70 GB-h × 0.0123 = 0.861.
	b = calc(t, Calculator{Provider: AzurePremium, Requests: 1000, Instances: 2, Hours: 10})
	exact(t, "two instances", b.TotalUSD, "4.321")
	if _, err := Default().Calculate(Calculator{Provider: AzurePremium, Requests: 1, PremiumPlan: "EP2"}); err == nil || !strings.Contains(err.Error(), "EP1 only") {
		t.Errorf("EP2 (not in the price table) gave %v", err)
	}
}

func TestPoissonPeak(t *testing.T) {
	// P(N ≤ 10 | mean 3.8) ≈ 0.9984 < 0.999 ≤ P(N ≤ 11) ≈ 0.9995.
	for _, c := range []struct {
		mean float64
		want int64
	}{{0, 0}, {0.01, 1}, {3.8, 11}, {1000, 1098}} {
		if got := poissonPeak(c.mean); got != c.want {
			t.Errorf("poissonPeak(%v) = %d, want %d", c.mean, got, c.want)
		}
	}
}

// The Azure Functions pricing page's Consumption example (docs/sources.md,
// "Azure Functions pricing"): 3 million executions of 1 s at 512 MB in a
// month, free grant applied: 1,500,000 GB-s − 400,000 free = 1,100,000 ×
// $0.000016 = $17.60; 3 M − 1 M free = 2 M executions × $0.20/M = $0.40.
// $18.00 in all.
func TestConsumptionMicrosoftExample(t *testing.T) {
	b := calc(t, Calculator{Provider: AzureConsumption, MemoryMB: 512, DurationMs: 1000, Requests: 3_000_000, FreeTier: true})
	exact(t, "execution time", item(t, b, "execution time").USD, "17.6")
	exact(t, "total", b.TotalUSD, "18")
	if b.Basis != BasisCalculated {
		t.Errorf("basis %q", b.Basis)
	}
}

// Executions of whole seconds, one per instance (Python), bill the same at
// both ends: one figure, not a range, and no panic (fnbench run's cost
// estimate prices every request at the timeout this way).
func TestFlexRangeWhoseEndsMeet(t *testing.T) {
	u := Usage{Latency: []LatencyBucket{{Latency: 30 * time.Second, Count: 100}}, Period: 5 * time.Second}
	b, err := Default().Price(Config{Provider: AzureFlex, MemoryMB: 2048, Language: "python"}, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b.High != nil {
		t.Errorf("a range %s–%s where both ends are 3,000 s", b.TotalUSD, b.High.TotalUSD)
	}
	exact(t, "GB-s", item(t, b, "execution time (on demand)").Quantity, "6000")
}
