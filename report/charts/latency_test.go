package charts

import (
	"slices"
	"testing"
)

func TestLatencyOverTime(t *testing.T) {
	series := fixedSeries(t)
	c := LatencyOverTime(series)
	if len(c.Rows) != 2 || len(c.Rows[0].Panels) != 1 || len(c.Rows[1].Panels) != 1 {
		t.Fatalf("want a latency panel above a rate panel, got %d rows", len(c.Rows))
	}
	lat, rate := c.Rows[0].Panels[0], c.Rows[1].Panels[0]
	got := linesOf(t, lat)
	for _, stat := range []string{"p50", "p90", "p99", "max"} {
		if !slices.Equal(got[stat], []string{"aws", "azure"}) {
			t.Errorf("%s lines for %v, want aws and azure", stat, got[stat])
		}
	}
	rates := linesOf(t, rate)
	if len(rates["offered"]) != 1 || !slices.Equal(rates["achieved"], []string{"aws", "azure"}) {
		t.Errorf("rate panel: %v; want one offered line (shared timeline) and achieved per target", rates)
	}
	if lat.Y.Label.Text != "latency (ms, log scale)" || rate.Y.Label.Text != "requests/s" || rate.X.Label.Text != "time since start (s)" {
		t.Errorf("axis labels %q, %q, %q", lat.Y.Label.Text, rate.Y.Label.Text, rate.X.Label.Text)
	}
	doc := render(t, c)
	// The phases are named on the chart.
	wantTexts(t, doc, "Latency over time", "latency (ms, log scale)", "requests/s", "time since start (s)",
		"warm-up", "idle", "spike", "ramp", "aws", "azure", "p99")
	wantColours(t, doc, 2)
}
