package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fnbench demo runs the bundled AWS-vs-Azure scenario through the same
// path as fnbench run (shortened here), prints the summary and the
// verdict, and writes a self-contained HTML report whose path it prints.
func TestDemoWritesTheHTMLReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator for about 10 s")
	}
	out := t.TempDir()
	code, stdout, stderr := cli("demo", "--out", out, "--progress", "none",
		"--set", "traffic.phases[0].duration=2s", "--set", "traffic.phases[1].duration=1s",
		"--set", "traffic.phases[2].duration=3s", "--set", "traffic.phases[2].hold=1s", "--set", "traffic.phases[2].peak=40/s",
		"--set", "traffic.phases[3].duration=2s", "--set", "traffic.phases[3].to=40/s")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	report := filepath.Join(out, "report.html")
	abs, _ := filepath.Abs(report)
	for _, want := range []string{"target aws", "target azure", "verdict: ", "HTML report: " + abs} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{`id="verdict"`, `<svg class="chart"`, "aws-vs-azure", "Run metadata"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Self-contained: no scripts, nothing fetched (the SVG namespaces are
	// names, not requests).
	if strings.Contains(page, "<script") || strings.Contains(page, "src=") || strings.Contains(page, "<link") {
		t.Error("the report loads something; it must be self-contained")
	}
	if _, err := os.Stat(filepath.Join(out, "run", "run.json")); err != nil {
		t.Errorf("no run directory under --out: %v", err)
	}
}

// report --format html|md|junit and --charts on a fixed run; RUN=label
// names the run.
func TestReportFormatsAndCharts(t *testing.T) {
	dir := t.TempDir()
	run := "../../report/testdata/run-aws-vs-azure"
	code, out, errs := cli("report", run+"=baseline", "--format", "md", "--charts", filepath.Join(dir, "charts"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "**azure p99 was") || !strings.Contains(out, "baseline") {
		t.Errorf("md report:\n%s", out)
	}
	for _, name := range []string{"latency-over-time", "percentile-spectrum", "cold-starts", "scaling", "cost", "compare-aws-vs-azure"} {
		for _, ext := range []string{"svg", "png"} {
			if _, err := os.Stat(filepath.Join(dir, "charts", name+"."+ext)); err != nil {
				t.Errorf("chart file: %v", err)
			}
		}
	}
	html := filepath.Join(dir, "r.html")
	if code, _, errs := cli("report", run, "--format", "html", "-o", html); code != 0 {
		t.Fatalf("html: exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(html); !strings.Contains(string(b), `<svg class="chart"`) {
		t.Error("the HTML report has no inline chart")
	}
	if code, out, _ := cli("report", run, "--format", "junit"); code != 0 || !strings.Contains(out, "<testsuites") {
		t.Errorf("junit: exit %d\n%s", code, out)
	}
}
