package report

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/browser"
)

var screenshot = flag.String("report.screenshot", "", "save the HTML report's screenshot from Chromium to this PNG file")

// The HTML report in a real browser: headless Chromium opens it from a
// file, it loads without console errors or network requests, every chart
// renders with its axes and lines, the sections come in the promised
// order, and the whole page can be captured (saved only where
// -report.screenshot says). In CI (CI=true) a missing Chromium fails the
// test; elsewhere it skips.
func TestHTMLReportInChromium(t *testing.T) {
	path, err := browser.Find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	runs := loadRuns(t, "run-aws-vs-azure")
	var page bytes.Buffer
	if err := HTML(&page, runs, Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(file)
	url := "file://" + abs

	b, err := browser.Start(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := b.Open(ctx, url, 1100, 900)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Console) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(p.Console, "\n"))
	}
	for _, u := range p.Requests {
		if u != url {
			t.Errorf("the page requested %s; a report must not load anything", u)
		}
	}

	// Every chart is an inline SVG that the browser laid out at a
	// readable size, with axes (text) and data (paths).
	var figs []struct {
		ID     string  `json:"id"`
		Width  float64 `json:"w"`
		Height float64 `json:"h"`
		Paths  int     `json:"paths"`
		Texts  int     `json:"texts"`
		Label  string  `json:"label"`
	}
	err = p.Evaluate(ctx, `[...document.querySelectorAll("#charts figure")].map(f => {
		const s = f.querySelector("svg.chart"); const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
		return {id: f.id, w: r.width, h: r.height, paths: s ? s.querySelectorAll("path").length : 0,
			texts: s ? s.querySelectorAll("text").length : 0, label: s ? s.getAttribute("aria-label") : ""};
	})`, &figs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"chart-latency-over-time", "chart-percentile-spectrum", "chart-cold-starts", "chart-scaling", "chart-cost", "chart-compare-aws-vs-azure"}
	if len(figs) != len(want) {
		t.Fatalf("%d charts on the page, want %d: %+v", len(figs), len(want), figs)
	}
	for i, f := range figs {
		if f.ID != want[i] {
			t.Errorf("chart %d is %s, want %s", i, f.ID, want[i])
		}
		if f.Width < 800 || f.Height < 250 || f.Paths < 20 || f.Texts < 10 || f.Label == "" {
			t.Errorf("%s did not render readably: %+v", f.ID, f)
		}
	}

	// The sections in the order the issue fixes, the verdict first.
	var order []string
	if err := p.Evaluate(ctx, `[...document.querySelectorAll("#verdict, main > section")].map(e => e.id)`, &order); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order, ","), "verdict,scenario,targets,charts,cold-starts,cost,metadata"; got != want {
		t.Errorf("sections %s, want %s", got, want)
	}
	var verdict string
	if err := p.Evaluate(ctx, `document.getElementById("verdict").textContent`, &verdict); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(verdict, "azure p99 was") || !strings.Contains(verdict, "cold starts vs") {
		t.Errorf("verdict %q", verdict)
	}

	shot, err := p.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if img.Width < 800 || img.Height <= 900 {
		t.Errorf("screenshot %d×%d px; want the whole page, taller than the 900 px window", img.Width, img.Height)
	}
	if *screenshot != "" {
		if err := os.WriteFile(*screenshot, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", *screenshot)
	}
}

// A timed run's page in Chromium: where the time went comes between the
// targets and the charts, its bars are laid out, and the timing chart
// renders after the latency chart. -report.timing-screenshot saves it.
func TestTimedHTMLReportInChromium(t *testing.T) {
	path, err := browser.Find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	var page bytes.Buffer
	if err := HTML(&page, loadRuns(t, timedFixture), Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(file)
	b, err := browser.Start(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := b.Open(ctx, "file://"+abs, 1100, 900)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Console) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(p.Console, "\n"))
	}
	var got struct {
		Order  string    `json:"order"`
		Charts string    `json:"charts"`
		Bars   []float64 `json:"bars"`
	}
	err = p.Evaluate(ctx, `({
		order: [...document.querySelectorAll("main > section")].map(e => e.id).join(","),
		charts: [...document.querySelectorAll("#charts figure")].slice(0, 2).map(f => f.id).join(","),
		bars: [...document.querySelectorAll("#timing td.bar span")].map(s => s.getBoundingClientRect().width),
	})`, &got)
	if err != nil {
		t.Fatal(err)
	}
	if want := "scenario,targets,timing,charts,cold-starts,cost,metadata"; got.Order != want {
		t.Errorf("sections %s, want %s", got.Order, want)
	}
	if want := "chart-latency-over-time,chart-timing-over-time"; got.Charts != want {
		t.Errorf("first charts %s, want %s", got.Charts, want)
	}
	// Two targets, seven rows each; the longest p50 fills its bar.
	if len(got.Bars) != 14 || slices.Max(got.Bars) < 100 {
		t.Errorf("bars %v, want 14 with the longest over 100 px", got.Bars)
	}
	if *timingShot != "" {
		shot, err := p.Screenshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*timingShot, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var timingShot = flag.String("report.timing-screenshot", "", "save the timed run's HTML report screenshot from Chromium to this PNG file")
