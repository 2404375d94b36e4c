package cost

import (
	"strings"
	"testing"
	"time"
)

// Hand-computed AWS Lambda vectors. The prices and rules are docs/sources.md,
// "AWS Lambda pricing"; the emulator's example is "The Lambda REPORT line".

func TestLambdaARM64Tier1(t *testing.T) {
	// arm64 tier 1 $0.0000133334/GB-s; $0.20 per 1 M
	// requests; 1 ms rounding (120 ms stays 120 ms).
	// 3 M × 0.120 s × 0.5 GB = 180,000 GB-s → $2.400012; requests $0.60.
	b := calc(t, Calculator{Provider: AWSLambda, Arch: ARM64, MemoryMB: 512, DurationMs: 120, Requests: 3_000_000})
	exact(t, "compute", item(t, b, "compute (arm64, tier 1)").USD, "2.400012")
	exact(t, "requests", item(t, b, "requests").USD, "0.6")
	exact(t, "total", b.TotalUSD, "3.000012")
	exact(t, "per million", b.PerMillionUSD, "1.000004")
	exact(t, "per million compute", b.PerMillionByPart.Compute, "0.800004")
	exact(t, "per million requests", b.PerMillionByPart.Requests, "0.2")
	if b.FreeTier || b.Estimate {
		t.Errorf("calculator default is marginal and not an estimate: free_tier=%v estimate=%v", b.FreeTier, b.Estimate)
	}
}

func TestLambdaFreeTier(t *testing.T) {
	// Free tier 1 M requests and 400,000 GB-s; x86
	// tier 1 $0.0000166667; $0.20 per 1 M.
	// 5 M × 0.1 s × 1 GB = 500,000 GB-s.
	c := Calculator{Provider: AWSLambda, MemoryMB: 1024, DurationMs: 100, Requests: 5_000_000}
	off := calc(t, c)
	// Off: 500,000 × 0.0000166667 = 8.33335; 5 × 0.20 = 1.00.
	exact(t, "free tier off", off.TotalUSD, "9.33335")
	c.FreeTier = true
	on := calc(t, c)
	// On: 100,000 × 0.0000166667 = 1.66667; 4 × 0.20 = 0.80.
	exact(t, "free tier on", on.TotalUSD, "2.46667")
	exact(t, "free GB-s", item(t, on, "compute (x86_64, free tier)").Quantity, "400000")
	exact(t, "free GB-s cost", item(t, on, "compute (x86_64, free tier)").USD, "0")
	exact(t, "free requests", item(t, on, "requests (free tier)").Quantity, "1")
	exact(t, "paid requests", item(t, on, "requests").USD, "0.8")
}

func TestLambdaTiersCrossed(t *testing.T) {
	// x86_64 tiers: first 6 B GB-s at $0.0000166667, next 9 B at
	// $0.0000150000, over 15 B at $0.0000133334; $0.20 per 1 M requests.
	// 1.6 B requests × 1 s × 10 GB = 16 B GB-s:
	// 6e9 × 0.0000166667 = 100,000.2; 9e9 × 0.000015 = 135,000;
	// 1e9 × 0.0000133334 = 13,333.4; requests 1,600 × 0.20 = 320.
	b := calc(t, Calculator{Provider: AWSLambda, MemoryMB: 10240, DurationMs: 1000, Requests: 1_600_000_000})
	exact(t, "tier 1", item(t, b, "compute (x86_64, tier 1)").USD, "100000.2")
	exact(t, "tier 2", item(t, b, "compute (x86_64, tier 2)").USD, "135000")
	exact(t, "tier 3", item(t, b, "compute (x86_64, tier 3)").Quantity, "1000000000")
	exact(t, "tier 3", item(t, b, "compute (x86_64, tier 3)").USD, "13333.4")
	exact(t, "total", b.TotalUSD, "248653.6")

	// arm64 tiers: first 7.5 B at $0.0000133334, next 11.25 B at
	// $0.0000120001, over 18.75 B at $0.0000106667. 2 B requests × 10 GB-s
	// = 20 B GB-s: 100,000.5 + 135,001.125 + 13,333.375 = 248,335; requests
	// 2,000 × 0.20 = 400.
	b = calc(t, Calculator{Provider: AWSLambda, Arch: ARM64, MemoryMB: 10240, DurationMs: 1000, Requests: 2_000_000_000})
	exact(t, "arm64 tier 2", item(t, b, "compute (arm64, tier 2)").USD, "135001.125")
	exact(t, "arm64 total", b.TotalUSD, "248735")
}

func TestLambdaTiersFromAccountPosition(t *testing.T) {
	// Tiers are summed per account: an account at 5.9 B GB-s this
	// month pays tier 1 for 100 M more and tier 2
	// after: 1e8 × 0.0000166667 = 1,666.67; 1e8 × 0.000015 = 1,500;
	// 1 M requests $0.20.
	u := Usage{Billed: &Billed{Invocations: 1_000_000, DurationMs: 200_000_000_000}}
	b, err := Default().Price(Config{Provider: AWSLambda, MemoryMB: 1024}, u, Options{Prior: Prior{LambdaGBSeconds: 5_900_000_000}})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "tier 1", item(t, b, "compute (x86_64, tier 1)").Quantity, "100000000")
	exact(t, "tier 2", item(t, b, "compute (x86_64, tier 2)").Quantity, "100000000")
	exact(t, "total", b.TotalUSD, "3166.87")
}

func TestLambdaInitBillingByDate(t *testing.T) {
	// INIT billed for all on-demand functions from 2025-08-01;
	// before, ZIP functions on managed runtimes had a free init.
	// arm64 $0.0000133334/GB-s; $0.20 per 1 M requests.
	// 1 M × 0.12 s × 0.5 GB = 60,000 GB-s → 0.800004; 10,000 cold starts ×
	// 0.3 s × 0.5 GB = 1,500 GB-s → 0.0200001; requests 0.20.
	c := Calculator{Provider: AWSLambda, Arch: ARM64, MemoryMB: 512, DurationMs: 120, Requests: 1_000_000, InitMs: 300, ColdRate: 0.01}

	c.Date = day("2025-08-01")
	after := calc(t, c)
	exact(t, "init from 2025-08-01", item(t, after, "init (arm64, tier 1)").USD, "0.0200001")
	exact(t, "total from 2025-08-01", after.TotalUSD, "1.0200041")
	exact(t, "per million init", after.PerMillionByPart.Init, "0.0200001")

	c.Date = day("2025-07-31")
	before := calc(t, c)
	if hasItem(before, "init") {
		t.Errorf("INIT billed on 2025-07-31 for a ZIP function: %+v", before.Lines)
	}
	exact(t, "total before 2025-08-01", before.TotalUSD, "1.000004")
	if !strings.Contains(strings.Join(before.Notes, "\n"), "INIT free on 2025-07-31") {
		t.Errorf("notes do not say INIT was free: %q", before.Notes)
	}

	// A container image billed INIT before the change too (only
	// ZIP on managed runtimes was free).
	c.Packaging = PackagingImage
	image := calc(t, c)
	exact(t, "image before 2025-08-01", image.TotalUSD, "1.0200041")

	// Zero date: the table's date (2025-10-01) decides: billed.
	c.Date, c.Packaging = time.Time{}, PackagingZip
	exact(t, "table date", calc(t, c).TotalUSD, "1.0200041")
}

func TestLambdaInitRoundsWithDuration(t *testing.T) {
	// Since 2025-08-01 a cold start bills ceil(Duration + Init Duration), not
	// ceil(Duration) + ceil(Init): 120.3 + 300.4 → 421 ms, of which INIT
	// adds 421 − 121 = 300 ms (1 ms rounding).
	// 1,000 × 121 ms × 0.5 GB = 60.5 GB-s; 500 × 300 ms × 0.5 GB = 75 GB-s;
	// at $0.0000133334 (arm64 tier 1): 0.0008066707 + 0.001000005;
	// 1,000 requests 0.0002.
	b := calc(t, Calculator{Provider: AWSLambda, Arch: ARM64, MemoryMB: 512, DurationMs: 120.3, Requests: 1000, InitMs: 300.4, ColdRate: 0.5})
	exact(t, "compute GB-s", item(t, b, "compute (arm64, tier 1)").Quantity, "60.5")
	exact(t, "init GB-s", item(t, b, "init (arm64, tier 1)").Quantity, "75")
	exact(t, "total", b.TotalUSD, "0.0020066757")
}

func TestLambdaSnapStart(t *testing.T) {
	// SnapStart: Billed Duration = ceil(Duration + Billed Restore
	// Duration). Restore 399.5 ms bills 400 ms; 50.2 ms bills 51 ms.
	// x86 $0.0000166667: 100,000 × 0.051 s × 1 GB = 5,100 GB-s
	// → 0.08500017; 2,000 restores × 0.4 s = 800 GB-s → 0.01333336;
	// 100,000 requests 0.02.
	b := calc(t, Calculator{Provider: AWSLambda, MemoryMB: 1024, DurationMs: 50.2, Requests: 100_000, RestoreMs: 399.5, ColdRate: 0.02})
	exact(t, "restore", item(t, b, "SnapStart restore (x86_64, tier 1)").USD, "0.01333336")
	exact(t, "compute", item(t, b, "compute (x86_64, tier 1)").USD, "0.08500017")
	exact(t, "total", b.TotalUSD, "0.11833353")
	exact(t, "restore is init", b.PerMillionByPart.Init, "0.1333336")
	// No public source gives a SnapStart cache price: the bill says so.
	if !strings.Contains(strings.Join(b.Notes, "\n"), "SnapStart cache: not charged") {
		t.Errorf("no note on the unpriced SnapStart cache: %q", b.Notes)
	}
}

func TestLambdaInvocationFromReport(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name                             string
		duration, billed, init, restored time.Duration
		wantInit, wantRestore            time.Duration
	}{
		// "The Lambda REPORT line", the emulator's example: Init 0.21 ms, Duration 206.82 ms,
		// Billed 207 ms: ceil(206.82 + 0.21) = 208 would be the rule of
		// INIT billing; the emulator bills 207, so INIT added nothing.
		{"emulator example", 206820 * time.Microsecond, 207 * ms, 210 * time.Microsecond, 0, 0, 0},
		// Since 2025-08-01: ceil(120.3 + 300.4) = 421, INIT adds 300.
		{"cold, init billed", 120300 * time.Microsecond, 421 * ms, 300400 * time.Microsecond, 0, 300 * ms, 0},
		// Before 2025-08-01, ZIP: Billed = ceil(Duration): no INIT part.
		{"cold, init free", 120300 * time.Microsecond, 121 * ms, 300400 * time.Microsecond, 0, 0, 0},
		// SnapStart: ceil(50.2 + 400) = 451, restore 400.
		{"snapstart", 50200 * time.Microsecond, 451 * ms, 0, 400 * ms, 0, 400 * ms},
		{"warm", 3 * ms, 3 * ms, 0, 0, 0, 0},
	} {
		inv := LambdaInvocation(tc.duration, tc.billed, tc.init, tc.restored, 512)
		if inv.Init != tc.wantInit || inv.Restore != tc.wantRestore || inv.Billed != tc.billed {
			t.Errorf("%s: got %+v, want init %v restore %v", tc.name, inv, tc.wantInit, tc.wantRestore)
		}
	}
}

func TestLambdaEphemeralStorage(t *testing.T) {
	// Ephemeral storage $0.0000000309 per GB-s above 512 MB: 2,048 MB is 1.5 GB
	// billed × 200,000 s = 300,000 GB-s → 0.00927. x86 compute
	// 200,000 GB-s → 3.33334; requests 0.20.
	c := Calculator{Provider: AWSLambda, MemoryMB: 1024, DurationMs: 200, Requests: 1_000_000, EphemeralMB: 2048}
	b := calc(t, c)
	exact(t, "ephemeral", item(t, b, "ephemeral storage (2048 MB)").USD, "0.00927")
	exact(t, "total", b.TotalUSD, "3.54261")
	c.EphemeralMB = 512
	if hasItem(calc(t, c), "ephemeral") {
		t.Error("512 MB of ephemeral storage is billed; Lambda bills only above 512 MB")
	}
}

func TestLambdaProvisionedConcurrency(t *testing.T) {
	// PC arm64 $0.0000033334/GB-s: 10 × 1 GB × 3,600 s = 36,000
	// GB-s → 0.1200024. Duration while PC is on, arm64
	// $0.0000077778: 100,000 GB-s → 0.77778. The free tier does
	// not cover PC functions: requests 0.20 even with it on.
	b := calc(t, Calculator{Provider: AWSLambda, Arch: ARM64, MemoryMB: 1024, DurationMs: 100, Requests: 1_000_000,
		ProvisionedConcurrency: 10, Hours: 1, FreeTier: true})
	exact(t, "provisioned", item(t, b, "provisioned concurrency (arm64)").USD, "0.1200024")
	exact(t, "duration", item(t, b, "compute (arm64, provisioned)").USD, "0.77778")
	exact(t, "total", b.TotalUSD, "1.0977824")
	if hasItem(b, "requests (free tier)") {
		t.Error("free tier applied to a function with provisioned concurrency")
	}
}

func TestLambdaEstimateFromLatency(t *testing.T) {
	// Lambda rounds up to 1 ms: 12.3 ms → 13, 100 ms → 100,
	// 0.2 ms → 1. 100×13 + 50×100 + 10×1 = 6,310 ms × 0.125 GB = 0.78875 GB-s
	// × $0.0000166667 (x86 tier 1) = 0.0000131458596; 160 requests ×
	// $0.20/M = 0.000032.
	u := Usage{Latency: []LatencyBucket{
		{Latency: 12300 * time.Microsecond, Count: 100},
		{Latency: 100 * time.Millisecond, Count: 50},
		{Latency: 200 * time.Microsecond, Count: 10},
	}}
	b, err := Default().Price(Config{Provider: AWSLambda, MemoryMB: 128}, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Estimate || !strings.Contains(b.Text(), "ESTIMATE") {
		t.Error("a bill from client latency is not labelled an estimate")
	}
	exact(t, "GB-s", item(t, b, "compute (x86_64, tier 1)").Quantity, "0.78875")
	exact(t, "total", b.TotalUSD, "0.000045145859625")
}
