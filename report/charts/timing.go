package charts

import (
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

// Timed reports whether any series recorded where its time went
// (timing.hlog): the timing chart is drawn only then.
func Timed(series []Series) bool {
	for _, s := range series {
		if s.target().HasTiming() {
			return true
		}
	}
	return false
}

// TimingOverTime draws where the time went per interval: each target's
// time to first byte (p50 and p99) against the TLS handshakes and TCP
// connects of the connections opened in the interval, above the
// connections opened and the requests that waited for one. A slow
// platform lifts the TTFB lines; slow handshakes stand out as points above
// them; a client short of connections shows in the lower panel.
func TimingOverTime(series []Series) *Chart {
	top := newPanel("", "", "time (ms, log scale)")
	top.logY()
	top.addPhases(series, true)
	conns := newPanel("", "time since start (s)", "per interval")
	conns.addPhases(series, false)
	phase := func(iv *analyze.Interval, i int) *analyze.TimingPoint {
		if iv.Timing == nil || iv.Timing[i].Count == 0 {
			return nil
		}
		return &iv.Timing[i]
	}
	for i, s := range series {
		if !s.target().HasTiming() {
			continue
		}
		ttfb := func(p50 bool) func(iv *analyze.Interval) float64 {
			return func(iv *analyze.Interval) float64 {
				if t := phase(iv, rundir.IndexTTFB); t != nil {
					if p50 {
						return ms(t.P50)
					}
					return ms(t.P99)
				}
				return 0
			}
		}
		top.addSegments(s.Name, "ttfb p50", s.timeline(ttfb(true)), lineStyle(i, 1, dotted))
		top.addSegments(s.Name, "ttfb p99", s.timeline(ttfb(false)), lineStyle(i, 1.8, solid))
		for _, d := range []struct {
			phase int
			stat  string
			glyph draw.GlyphDrawer
		}{{rundir.IndexConnect, "connect p50", draw.TriangleGlyph{}}, {rundir.IndexTLS, "tls p50", draw.CircleGlyph{}}} {
			var pts plotter.XYs
			ivs := s.intervals()
			for k := range ivs {
				if t := phase(&ivs[k], d.phase); t != nil {
					pts = append(pts, plotter.XY{X: mid(&ivs[k]), Y: ms(t.P50)})
				}
			}
			top.addPoints(s.Name, d.stat, pts, draw.GlyphStyle{Color: SeriesColor(i), Radius: 2.8, Shape: d.glyph})
		}
		opened := func(iv *analyze.Interval) float64 {
			if c := iv.Conns; c != nil {
				return float64(c.Opened + c.Prewarmed)
			}
			return 0
		}
		waited := func(iv *analyze.Interval) float64 {
			if c := iv.Conns; c != nil {
				return float64(c.WaitedForConn)
			}
			return 0
		}
		conns.addLine(s.Name, "opened", s.timeline(opened), lineStyle(i, 1.6, solid))
		conns.addLine(s.Name, "waited", s.timeline(waited), lineStyle(i, 1.2, dashed))
	}
	top.padLogY(0.1, 1000)
	conns.Y.Min = 0
	conns.Y.Max = max(conns.Y.Max, 1)
	c := &Chart{
		Name:  "timing-over-time",
		Title: "Where the time went, over time",
		Caption: "Each interval's time to first byte (p50 dotted, p99 solid) per target — the target's own time — with the median TLS handshake (circles) and TCP connect (triangles) of the connections opened in it; below, the connections opened (the first interval's include those opened before the start) and the requests that waited for a connection. " +
			"TTFB lines that rise mean a slow platform; handshake points far above them, or waits below, mean the time went into connections.",
		Width: 9 * vg.Inch, Height: 5 * vg.Inch,
		Rows: []Row{{Panels: []*Panel{top}, Weight: 1.8}, {Panels: []*Panel{conns}, Weight: 1}},
	}
	c.Legend = append(seriesLegend(series),
		LegendEntry{Label: "ttfb p50", Color: ink, Width: 1, Dashes: dotted},
		LegendEntry{Label: "ttfb p99", Color: ink, Width: 1.8},
		LegendEntry{Label: "tls p50", Color: ink, Glyph: draw.CircleGlyph{}},
		LegendEntry{Label: "connect p50", Color: ink, Glyph: draw.TriangleGlyph{}},
		LegendEntry{Label: "connections opened", Color: ink, Width: 1.6},
		LegendEntry{Label: "waited for a connection", Color: ink, Width: 1.2, Dashes: dashed},
	)
	return c
}
