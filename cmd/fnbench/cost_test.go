package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// costJSON is what `fnbench cost --format json` promises for the
// calculator.
type costJSON struct {
	TotalUSD      json.Number `json:"total_usd"`
	PerMillionUSD json.Number `json:"per_million_usd"`
	Breakdown     []map[string]json.RawMessage
}

func decodeCost(t *testing.T, out string) costJSON {
	t.Helper()
	var c costJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%v in\n%s", err, out)
	}
	return c
}

// The calculator's example from the README, hand-computed from
// docs/sources.md ("AWS Lambda pricing", "Amazon API Gateway pricing"):
// requests 3 M × $0.20/M = 0.60; compute 3 M × 0.120 s × 0.5 GB =
// 180,000 GB-s × $0.0000133334 = 2.400012 (arm64 tier 1); INIT on 1% cold,
// billed since 2025-08-01: 30,000 × 0.300 s × 0.5 GB = 4,500 GB-s =
// 0.0600003; HTTP API 3 M × $1.00/M = 3.00. Total 6.0600123, per million
// 2.0200041.
func TestCostCalculatorJSON(t *testing.T) {
	code, out, errs := cli("cost", "--provider", "aws-lambda", "--arch", "arm64", "--memory-mb", "512",
		"--duration-ms", "120", "--requests", "3000000", "--init-ms", "300", "--cold-rate", "0.01",
		"--gateway", "http-api", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	c := decodeCost(t, out)
	if c.TotalUSD != "6.0600123" || c.PerMillionUSD != "2.0200041" {
		t.Errorf("total %s per million %s, want 6.0600123 and 2.0200041", c.TotalUSD, c.PerMillionUSD)
	}
	if len(c.Breakdown) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(c.Breakdown), out)
	}
	for _, l := range c.Breakdown {
		for _, k := range []string{"item", "quantity", "unit", "unit_price_usd", "usd"} {
			if _, ok := l[k]; !ok {
				t.Errorf("line %v has no %s", l, k)
			}
		}
	}
}

// Every provider the calculator knows prices, in text with the price
// table's version and date.
func TestCostCalculatorProviders(t *testing.T) {
	for _, args := range [][]string{
		{"--provider", "azure-consumption", "--memory-mb", "200", "--duration-ms", "40", "--requests", "2000000"},
		{"--provider", "azure-flex", "--instance-memory-mb", "2048", "--duration-ms", "40", "--requests", "2000000", "--free-tier"},
		{"--provider", "azure-premium", "--instances", "2", "--requests", "2000000", "--hours", "730"},
		{"--provider", "aws-lambda", "--memory-mb", "1024", "--duration-ms", "15", "--requests", "1000000", "--ephemeral-mb", "2048", "--gateway", "rest-api"},
	} {
		code, out, errs := cli(append([]string{"cost"}, args...)...)
		if code != 0 || !strings.Contains(out, "prices: fnbench-2026.1 of 2025-10-01") || !strings.Contains(out, "per million requests") {
			t.Errorf("cost %v: exit %d\n%s%s", args, code, out, errs)
		}
		code, out, _ = cli(append([]string{"cost", "--format", "json"}, args...)...)
		if c := decodeCost(t, out); code != 0 || c.PerMillionUSD == "" {
			t.Errorf("cost %v --format json: exit %d\n%s", args, code, out)
		}
	}
}

// A run's targets are priced each by its own provider, from measured
// billing where there is some, and projected to a month.
func TestCostOfRun(t *testing.T) {
	code, out, errs := cli("cost", "../../analyze/testdata/run-sim", "--rps", "500", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Targets       []struct {
			Priced, Measured bool
			Bill             struct {
				Provider      string  `json:"provider"`
				PerMillionUSD float64 `json:"per_million_usd"`
			}
			Monthly *struct {
				Cost struct {
					FreeTier bool `json:"free_tier"`
				}
				Capacity struct{ Instances int64 }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		provider string
		measured bool
	}{{"aws-lambda", true}, {"aws-lambda", false}, {"azure-consumption", false}}
	if doc.SchemaVersion != 1 || len(doc.Targets) != len(want) {
		t.Fatalf("%s", out)
	}
	for i, tg := range doc.Targets {
		if !tg.Priced || tg.Measured != want[i].measured || tg.Bill.Provider != want[i].provider || tg.Bill.PerMillionUSD <= 0.2 ||
			tg.Monthly == nil || !tg.Monthly.Cost.FreeTier || tg.Monthly.Capacity.Instances < 1 {
			t.Errorf("target %d: %+v", i, tg)
		}
	}
	code, out, _ = cli("cost", "../../analyze/testdata/run-sim")
	for _, s := range []string{"prices fnbench-2026.1 of 2025-10-01", "target invoke: measured billing", "target url: estimate", "ESTIMATE", "target azure: range", "RANGE: $"} {
		if code != 0 || !strings.Contains(out, s) {
			t.Errorf("text output lacks %q:\n%s", s, out)
		}
	}
}

// One workload on several providers: a table side by side, in every
// format; JSON lists the bills, each the single-provider call's.
func TestCostAcrossProviders(t *testing.T) {
	args := []string{"cost", "--provider", "aws-lambda,azure-consumption,azure-flex,gcp-cloud-run", "--memory-mb", "512", "--duration-ms", "200", "--requests", "50000000", "--rps", "20"}
	code, out, errs := cli(args...)
	for _, s := range []string{"azure-flex (range)", "$52.50–$", "arm64, 512 MB: $1.53 per 1M", "month at 20/s USD", "cheapest for this workload: azure-consumption"} {
		if code != 0 || !strings.Contains(out, s) {
			t.Errorf("text lacks %q (exit %d, %s):\n%s", s, code, errs, out)
		}
	}
	code, out, _ = cli(append(args, "--format", "csv")...)
	if code != 0 || !strings.HasPrefix(out, "provider,configuration,basis,") || strings.Count(out, "\n") != 5 {
		t.Errorf("csv (exit %d):\n%s", code, out)
	}
	code, out, _ = cli(append(args, "--format", "md")...)
	if code != 0 || !strings.Contains(out, "| azure-flex (range) | 512 MB instances |") {
		t.Errorf("md (exit %d):\n%s", code, out)
	}
	code, out, _ = cli(append(args, "--format", "json")...)
	var doc struct {
		Bills []struct {
			Provider string  `json:"provider"`
			TotalUSD float64 `json:"total_usd"`
		} `json:"bills"`
	}
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil || len(doc.Bills) != 4 {
		t.Fatalf("json (exit %d, %v):\n%s", code, err, out)
	}
	_, single, _ := cli("cost", "--provider", "aws-lambda", "--memory-mb", "512", "--duration-ms", "200", "--requests", "50000000", "--format", "json")
	var one struct {
		TotalUSD float64 `json:"total_usd"`
	}
	if err := json.Unmarshal([]byte(single), &one); err != nil || one.TotalUSD != doc.Bills[0].TotalUSD {
		t.Errorf("the table's aws-lambda bill totals %v, a single-provider call %v (%v)", doc.Bills[0].TotalUSD, one.TotalUSD, err)
	}
}

// Bad usage and invalid input exit 2, name the problem and how to fix it,
// and never show a stack trace.
func TestCostBadUsageExits2(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "give a run directory"},
		{[]string{"--provider", "aws-lamda", "--requests", "1"}, `provider "aws-lamda" is not known; use one of aws-lambda`},
		{[]string{"--provider", "aws-lambda", "--memory-mb", "512", "--duration-ms", "10"}, "--requests is required"},
		{[]string{"--provider", "aws-lambda", "--duration-ms", "10", "--requests", "5"}, "--memory-mb is required for aws-lambda"},
		{[]string{"--provider", "aws-lambda", "--memory-mb", "64", "--duration-ms", "10", "--requests", "5"}, "outside 128–10,240 MB"},
		{[]string{"--provider", "azure-flex", "--duration-ms", "10", "--requests", "5"}, "--instance-memory-mb is required"},
		{[]string{"--provider", "azure-consumption", "--requests", "5"}, "--duration-ms is required"},
		{[]string{"--provider", "aws-lambda", "--memory-mb", "512", "--duration-ms", "10", "--requests", "5", "--cold-rate", "2"}, "cold rate 2 is above 1"},
		{[]string{"--provider", "aws-lambda", "--memory-mb", "512", "--duration-ms", "10", "--requests", "5", "--requests-per-month", "3"}, "--requests-per-month projects a run"},
		{[]string{"--provider", "aws-lambda,aws-lambda", "--memory-mb", "512", "--duration-ms", "10", "--requests", "5"}, "--provider names aws-lambda twice"},
		{[]string{"--provider", "aws-lambda,gcp-cloud-run", "--duration-ms", "10", "--requests", "5"}, "aws-lambda: give the memory (--memory-mb)"},
		{[]string{"--provider", "aws-lambda,azure-flex", "--memory-mb", "512", "--duration-ms", "10", "--requests", "5", "--free-tier"}, "with and without the free tier already"},
		{[]string{"--provider", "aws-lambda", "--memory-mb", "512", "--duration-ms", "10", "--requests", "5", "--format", "csv"}, "md and csv too for a table of providers"},
		{[]string{"--provider", "aws-lambda", "--memory-mb", "512", "--duration-ms", "10", "--requests", "5", "--date", "1 Aug"}, "write YYYY-MM-DD"},
		{[]string{"../../analyze/testdata/run-sim", "--provider", "aws-lambda"}, "--provider: calculator flags price a configuration without a run"},
		{[]string{"../../analyze/testdata/run-sim", "--rps", "5", "--requests-per-month", "9"}, "not both"},
		{[]string{"../../report/testdata/run-local-ramp"}, "set memory_mb on target lambda"},
		{[]string{"nosuchrun"}, "nosuchrun is not a run directory"},
		{[]string{"../../analyze/testdata/run-sim", "--format", "yaml"}, `--format "yaml" is not supported`},
		{[]string{"../../analyze/testdata/run-sim", "--pricing", "nosuch.yaml"}, "pricing file"},
	} {
		code, _, errs := cli(append([]string{"cost"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) || strings.Contains(errs, "goroutine") {
			t.Errorf("cost %v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// Values that are no quantity are refused with exit 2 and a message that
// says what was wanted (issue 13): NaN or negative rates, negative counts,
// absurd durations, numbers a flag's type cannot hold.
func TestCostRefusesValuesThatAreNoQuantity(t *testing.T) {
	calc := []string{"cost", "--provider", "aws-lambda", "--memory-mb", "512"}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"cost", simFixture, "--rps", "NaN"}, "must be positive numbers"},
		{[]string{"cost", simFixture, "--rps", "-1"}, "must be positive numbers"},
		{append(calc, "--duration-ms", "1e308", "--requests", "10"), "is not an execution time"},
		{append(calc, "--duration-ms", "100", "--requests", "-5"), "is negative"},
		{append(calc, "--duration-ms", "100", "--requests", "1e30"), `--requests wants a whole number (in range), not "1e30"`},
		{append(calc, "--duration-ms", "100", "--requests", "9000000000000000000"), "--requests 9e+18 is not a quantity fnbench can price"},
		{[]string{"cost", "--provider", "azure-premium", "--requests", "10", "--instances", "9200000000000000000"}, "--instances 9.2e+18 is not a quantity fnbench can price; give 0 to 1e+06 instances"},
		{append(calc, "--duration-ms", "100", "--requests", "10", "--init-ms", "NaN"), "--init-ms NaN is not a quantity"},
	} {
		code, _, errs := cli(tc.args...)
		if code != 2 || !strings.Contains(errs, tc.says) || strings.Contains(errs, "strconv") {
			t.Errorf("%v: exit %d, want 2 saying %q\n%s", tc.args[1:], code, tc.says, errs)
		}
	}
}
