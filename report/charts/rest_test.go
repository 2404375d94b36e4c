package charts

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/analyze"
)

func TestSpectrum(t *testing.T) {
	series := fixedSeries(t)
	c := Spectrum(series)
	p := c.Rows[0].Panels[0]
	got := linesOf(t, p)
	if !slices.Equal(got["warm"], []string{"aws", "azure"}) || !slices.Equal(got["cold"], []string{"aws", "azure"}) {
		t.Errorf("lines %v; want warm and cold for aws and azure", got)
	}
	// The percentile axis runs to 99.999% on a log scale.
	var labels []string
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		labels = append(labels, tk.Label)
	}
	if want := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}; !slices.Equal(labels, want) {
		t.Errorf("percentile ticks %q, want %q", labels, want)
	}
	doc := render(t, c)
	wantTexts(t, doc, "Latency by percentile", "percentile", "latency (ms, log scale)", "99.999%", "warm", "cold", "aws", "azure")
	wantColours(t, doc, 2)
}

// The spectrum of n values stops where n can resolve percentiles, then
// ends at the maximum.
func TestSpectrumStopsAtTheSampleSize(t *testing.T) {
	s := fixedSeries(t)[0]
	d := s.latency("warm")
	xys := spectrum(d)
	last := xys[len(xys)-1]
	if last.X != float64(d.Count()) || last.Y != ms(d.Max()) {
		t.Errorf("last point %v; want x = %d requests, y = max %v ms", last, d.Count(), ms(d.Max()))
	}
}

func TestColdStarts(t *testing.T) {
	series := fixedSeries(t)
	c := ColdStarts(series)
	if len(c.Rows) != 1 || len(c.Rows[0].Panels) != 2 {
		t.Fatalf("want two panels side by side")
	}
	byRate, inits := c.Rows[0].Panels[0], c.Rows[0].Panels[1]
	got := linesOf(t, byRate)
	if !slices.Equal(got["per interval"], []string{"aws", "azure"}) || !slices.Equal(got["mean per rate bin"], []string{"aws", "azure"}) {
		t.Errorf("cold starts by rate: %v", got)
	}
	if byRate.X.Label.Text != "offered rate (requests/s)" || byRate.Y.Label.Text != "cold starts per interval" {
		t.Errorf("axes %q / %q", byRate.X.Label.Text, byRate.Y.Label.Text)
	}
	ig := linesOf(t, inits)
	if !slices.Equal(ig["init ECDF"], []string{"aws", "azure"}) {
		t.Errorf("init distribution lines %v; the fixed run reports init durations for both", ig)
	}
	// One ECDF step per reported init duration.
	for _, l := range inits.Lines {
		if l.Stat == "init" {
			n := len(series[slices.IndexFunc(series, func(s Series) bool { return s.Name == l.Series })].initDurations())
			if l.Points != n {
				t.Errorf("%s: %d points, %d init durations", l.Series, l.Points, n)
			}
		}
	}
	doc := render(t, c)
	wantTexts(t, doc, "Cold starts", "offered rate (requests/s)", "cold starts per interval", "init duration (ms, log scale)", "share of cold starts (%)")
	wantColours(t, doc, 2)
}

func TestScaling(t *testing.T) {
	series := fixedSeries(t)
	c := Scaling(series)
	inst, rate := c.Rows[0].Panels[0], c.Rows[1].Panels[0]
	got := linesOf(t, inst)
	if !slices.Equal(got["answering"], []string{"aws", "azure"}) || !slices.Equal(got["seen so far"], []string{"aws", "azure"}) {
		t.Errorf("instance lines %v", got)
	}
	if len(got["throttled"]) != 0 {
		t.Errorf("throttle marks %v, but the fixed run was never throttled", got["throttled"])
	}
	if inst.Y.Label.Text != "instances" || rate.X.Label.Text != "time since start (s)" {
		t.Errorf("axes %q / %q", inst.Y.Label.Text, rate.X.Label.Text)
	}
	doc := render(t, c)
	wantTexts(t, doc, "Scaling: instances over time", "instances", "requests/s", "throttled (0 requests)", "spike")
	wantColours(t, doc, 2)
}

// Throttled intervals are marked, and the legend counts the requests.
func TestScalingMarksThrottles(t *testing.T) {
	series := fixedSeries(t)[:1]
	ivs := series[0].intervals()
	ivs[3].Classes = map[string]int64{"throttled": 7}
	defer func() { ivs[3].Classes = nil }()
	c := Scaling(series)
	got := linesOf(t, c.Rows[0].Panels[0])
	if !slices.Equal(got["throttled"], []string{"aws"}) {
		t.Fatalf("throttle marks %v", got)
	}
	wantTexts(t, render(t, c), "throttled (7 requests)")
}

func TestCost(t *testing.T) {
	series := fixedSeriesWith(t, analyze.Options{ProjectRPS: 100})
	c := Cost(series)
	perM, monthly := c.Rows[0].Panels[0], c.Rows[0].Panels[1]
	var parts []string
	for _, l := range perM.Lines {
		parts = append(parts, l.Stat)
		if l.Points != 2 {
			t.Errorf("part %s has %d bars, want one per target", l.Stat, l.Points)
		}
	}
	if want := []string{"requests", "compute", "init", "gateway", "database"}; !slices.Equal(parts, want) {
		t.Errorf("stacked parts %v, want %v", parts, want)
	}
	if got := linesOf(t, monthly); !slices.Equal(got["monthly"], []string{"aws", "azure"}) {
		t.Errorf("monthly bars %v", got)
	}
	if perM.Y.Label.Text != "USD per 1M requests" || monthly.Y.Label.Text != "USD per month" {
		t.Errorf("axes %q / %q", perM.Y.Label.Text, monthly.Y.Label.Text)
	}
	doc := render(t, c)
	wantTexts(t, doc, "Cost", "USD per 1M requests", "USD per month", "Monthly bill at 100 requests/s (free tier applied)", "requests", "compute", "init", "gateway", "database")
	// Each target's monthly bar carries its amount; a range (azure: its
	// memory is unknown) also its cost per million, from low to high.
	n, ranges := 0, 0
	for _, s := range doc.texts {
		if strings.HasPrefix(s, "$") {
			n++
			if strings.Contains(s, "–$") {
				ranges++
			}
		}
	}
	if n != 3 || ranges != 2 {
		t.Errorf("%d amounts (%d ranges) on the bars, want 3 (2 ranges): %q", n, ranges, doc.texts)
	}
	for i := range 2 {
		if doc.strokes[Hex(SeriesColor(i))] == 0 && !strings.Contains(strings.Join(doc.texts, " "), series[i].Name) {
			t.Errorf("series %d missing", i)
		}
	}
}

func TestCompare(t *testing.T) {
	series := fixedSeries(t)
	c := Compare(series[0], series[1], 0, 1)
	got := linesOf(t, c.Rows[0].Panels[0])
	if !slices.Equal(got["all successful"], []string{"aws", "azure"}) {
		t.Errorf("overlaid spectra %v", got)
	}
	if c.Table == nil || len(c.Table.Header) != 6 {
		t.Fatalf("no table of deltas")
	}
	var metrics []string
	for _, r := range c.Table.Rows {
		metrics = append(metrics, r[0])
		if len(r) != len(c.Table.Header) {
			t.Errorf("row %q has %d cells for %d columns", r[0], len(r), len(c.Table.Header))
		}
	}
	for _, m := range []string{"p50", "p99", "max", "cold starts", "error rate", "USD per 1M requests"} {
		if !slices.Contains(metrics, m) {
			t.Errorf("the table lacks %q: %v", m, metrics)
		}
	}
	// Azure's cold starts (seconds) against AWS's (milliseconds): p99
	// differs beyond doubt.
	for _, r := range c.Table.Rows {
		if r[0] == "p99" && r[5] != "yes" {
			t.Errorf("p99 row %q: want the CIs apart", r)
		}
	}
	doc := render(t, c)
	wantTexts(t, doc, "Comparison: azure vs aws", "percentile", "latency (ms, log scale)", "p99", "cold starts", "differs (95% CIs)")
	wantColours(t, doc, 2)
}

// All gives the five charts and one comparison per pair; every chart also
// renders for one target alone, without a projected rate.
func TestAllCharts(t *testing.T) {
	s := fixedSeries(t)
	if cs := All(s, [][2]int{{0, 1}}); len(cs) != 6 {
		t.Fatalf("%d charts for two series and a pair, want 5 and one comparison", len(cs))
	}
	s[0].Table().Projection = analyze.MonthlyProjection{}
	for _, c := range All(s[:1], nil) {
		if err := c.Render(io.Discard, "svg"); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
		if c.Name == "cost" && len(c.Rows[0].Panels) != 1 {
			t.Errorf("cost without a projected rate has %d panels; the monthly bill needs a rate", len(c.Rows[0].Panels))
		}
	}
}
