package cost

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/scenarios"
)

func TestDefaultTable(t *testing.T) {
	tab := Default()
	if tab.Version == "" || tab.Format != 1 || tab.Date.IsZero() {
		t.Fatalf("table without version or date: %q %v", tab.Version, tab.Date)
	}
	if got := tab.Ref().String(); got != "fnbench-2026.1 of 2025-10-01 (embedded prices.yaml)" {
		t.Errorf("Ref = %q", got)
	}
	// INIT billed from 2025-08-01 (docs/sources.md, "AWS Lambda pricing").
	if !tab.Lambda.InitBilledFrom.Date.Equal(day("2025-08-01")) {
		t.Errorf("init_billed_from = %v", tab.Lambda.InitBilledFrom.Date)
	}
	// Every entry names its source, citing docs/sources.md; every unknown figure
	// says no public source gives it ("no public figure").
	walkEntries(reflect.ValueOf(tab).Elem(), "table", func(path string, known bool, source string) {
		switch {
		case !strings.Contains(source, "docs/sources.md"):
			t.Errorf("%s: source %q does not cite docs/sources.md", path, source)
		case !known && !strings.Contains(source, "no public figure"):
			t.Errorf("%s is null but its source %q does not say \"no public figure\"", path, source)
		}
	})
}

// walkEntries calls f for every entry (a struct with a Source) under v.
func walkEntries(v reflect.Value, path string, f func(path string, known bool, source string)) {
	switch v.Kind() {
	case reflect.Slice:
		for i := range v.Len() {
			walkEntries(v.Index(i), path+"["+string(rune('0'+i))+"]", f)
		}
	case reflect.Struct:
		if v.Type() == typeDecimal || v.Type() == typeTime {
			return
		}
		if src := v.FieldByName("Source"); src.IsValid() {
			known := true
			for i := range v.NumField() {
				if d, ok := v.Field(i).Interface().(Decimal); ok && v.Type().Field(i).Name != "UpTo" && !d.Known() {
					known = false
				}
			}
			f(path, known, src.String())
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkEntries(v.Field(i), path+"."+v.Type().Field(i).Name, f)
			}
		}
	}
}

func TestParseOverride(t *testing.T) {
	src := `format: 1
version: acme-negotiated-2026
date: 2026-03-01
aws_lambda:
  requests: {usd: 0.15, per: 1000000}
  duration:
    arm64:
      - {usd: 0.00001, source: "acme contract §4"}
`
	tab, err := Parse("acme.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if tab.Origin != "acme.yaml" || tab.Ref().Date != "2026-03-01" || tab.Version != "acme-negotiated-2026" {
		t.Errorf("ref %+v", tab.Ref())
	}
	// An overridden price without a source is labelled with where it came from.
	if got := tab.Lambda.Requests.Source; got != "acme.yaml:5:13" {
		t.Errorf("source of the overridden request price = %q", got)
	}
	if len(tab.Lambda.Duration.ARM64) != 1 || tab.Lambda.Duration.ARM64[0].Source != "acme contract §4" {
		t.Errorf("arm64 tiers not replaced: %+v", tab.Lambda.Duration.ARM64)
	}
	// Entries the file does not give stay built in.
	if tab.Lambda.Duration.X86_64[0].USD.String() != "0.0000166667" || tab.Azure.Consumption.ExecutionTime.USD.String() != "0.000016" {
		t.Error("entries the override does not give were lost")
	}
	// The new prices are used: 3 M × 0.06 GB-s = 180,000 GB-s × 0.00001 =
	// 1.80; 3 × 0.15 = 0.45.
	b, err := tab.Calculate(Calculator{Provider: AWSLambda, Arch: ARM64, MemoryMB: 512, DurationMs: 120, Requests: 3_000_000})
	if err != nil {
		t.Fatal(err)
	}
	exact(t, "negotiated", b.TotalUSD, "2.25")
	if b.Pricing.Version != "acme-negotiated-2026" {
		t.Errorf("bill names table %+v", b.Pricing)
	}
	// The built-in table is untouched.
	if Default().Lambda.Requests.USD.String() != "0.2" {
		t.Error("an override changed the built-in table")
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rates.yaml")
	if err := os.WriteFile(path, []byte("format: 1\nversion: v\ndate: 2026-01-01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := Load(path)
	if err != nil || tab.Origin != path {
		t.Fatalf("Load = %v, %v", tab, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	const head = "format: 1\nversion: v\ndate: 2026-01-01\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown key", head + "aws_lambda:\n  request: {usd: 1}\n", `p.yaml:5:3: unknown key "request"; valid keys here: region, requests,`},
		{"missing version", "format: 1\ndate: 2026-01-01\n", `p.yaml:1:1: missing key "version"`},
		{"missing usd", head + "cosmos_db:\n  request_units: {source: x}\n", `p.yaml:5:18: missing key "usd"`},
		{"negative price", head + "cosmos_db:\n  request_units: {usd: -0.25}\n", "p.yaml:5:24: -0.25 is negative"},
		{"text for a price", head + "cosmos_db:\n  request_units: {usd: cheap}\n", `p.yaml:5:24: expected a number, got the string "cheap"`},
		{"exponent", head + "cosmos_db:\n  request_units: {usd: 2.5e-7}\n", `p.yaml:5:24: "2.5e-7" is not a plain decimal number`},
		{"per zero", head + "cosmos_db:\n  request_units: {usd: 1, per: 0}\n", "p.yaml:5:18: per is 0"},
		{"tiers descending", head + "api_gateway:\n  http_api:\n    - {up_to: 300, usd: 1}\n    - {up_to: 200, usd: 1}\n    - {usd: 1}\n",
			"p.yaml:7:7: tier 2 ends at 200, not above the tier before it (300)"},
		{"bounded last tier", head + "api_gateway:\n  rest_api:\n    - {up_to: 300, usd: 1}\n", "p.yaml:6:7: the last tier ends at up_to 300"},
		{"null tier price", head + "api_gateway:\n  rest_api:\n    - {usd: null}\n", "p.yaml:6:7: tier 1 has no price"},
		{"bad date", "format: 1\nversion: v\ndate: 2026-13-01\n", `p.yaml:3:7: "2026-13-01" is not a date`},
		{"format 2", "format: 2\nversion: v\ndate: 2026-01-01\n", "p.yaml:1:1: format 2 is not known"},
		{"duplicate key", head + "version: w\n", `p.yaml:4:1: key "version" given twice`},
		{"syntax", head + "aws_lambda: [\n", "p.yaml:4:1:"},
		{"empty", "", "p.yaml:1:1: the pricing file is empty"},
		{"a list", "- 1\n", "p.yaml:1:1: the pricing file is a list, not a mapping"},
		{"two documents", head + "---\nformat: 1\n", "p.yaml:4:1: a second YAML document"},
		{"alias loop", head + "note: &a [*a]\n", "p.yaml:"},
	} {
		_, err := Parse("p.yaml", []byte(tc.src))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		var errs *scenarios.Errors
		if !errors.As(err, &errs) {
			t.Errorf("%s: %T is not *scenarios.Errors", tc.name, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, err, tc.want)
		}
	}
}

func TestTableDateDecidesZeroDate(t *testing.T) {
	// An override dated before 2025-08-01 makes a zero-date calculation bill
	// INIT as of then (docs/sources.md, "AWS Lambda pricing"): free for ZIP.
	tab, err := Parse("old.yaml", []byte("format: 1\nversion: old\ndate: 2025-06-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := tab.Calculate(Calculator{Provider: AWSLambda, MemoryMB: 512, DurationMs: 100, Requests: 1000, InitMs: 500, ColdRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if hasItem(b, "init") {
		t.Error("INIT billed under a table dated 2025-06-01")
	}
}
