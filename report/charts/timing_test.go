package charts

import (
	"path/filepath"
	"testing"

	"github.com/fnbench/fnbench/analyze"
)

// The timing chart of a timed run (report/testdata/run-timing): TTFB p50
// and p99 lines and handshake points per target, connections opened and
// waits below; All places it after latency over time. A run without
// timing gets no such chart.
func TestTimingOverTime(t *testing.T) {
	run, err := analyze.Load(filepath.Join("..", "testdata", "run-timing"))
	if err != nil {
		t.Fatal(err)
	}
	s := analyze.Summarize(run)
	series := []Series{{Name: "lambda", Summary: s, Target: 0}, {Name: "azure", Summary: s, Target: 1}}
	if !Timed(series) || Timed(fixedSeries(t)) {
		t.Fatal("Timed is wrong about the timed run or the run without timing")
	}
	cs := All(series, nil)
	if len(cs) < 2 || cs[1].Name != "timing-over-time" {
		t.Fatalf("All does not put timing-over-time second")
	}
	c := cs[1]
	drawn := map[string]int{}
	for _, row := range c.Rows {
		for _, p := range row.Panels {
			for _, l := range p.Lines {
				drawn[l.Series+" "+l.Stat] = l.Points
			}
		}
	}
	for _, name := range []string{"lambda", "azure"} {
		for _, stat := range []string{"ttfb p50", "ttfb p99", "tls p50", "connect p50", "opened", "waited"} {
			if drawn[name+" "+stat] == 0 {
				t.Errorf("%s: no %s drawn; drawn %v", name, stat, drawn)
			}
		}
	}
	if n := drawn["lambda ttfb p99"]; n != len(run.Targets[0].Intervals) {
		t.Errorf("ttfb p99 has %d points for %d intervals", n, len(run.Targets[0].Intervals))
	}
	doc := render(t, c)
	wantTexts(t, doc, "Where the time went, over time", "time (ms, log scale)", "ttfb p99", "tls p50", "waited for a connection")
	wantColours(t, doc, 2)
	for _, c := range All(fixedSeries(t), nil) {
		if c.Name == "timing-over-time" {
			t.Error("a run without timing got a timing chart")
		}
	}
}
