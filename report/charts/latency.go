package charts

import (
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fnbench/fnbench/analyze"
)

// A statistic of the latency-over-time chart and how it is drawn.
type latencyStat struct {
	name   string
	width  vg.Length
	dashes []vg.Length
	value  func(iv *analyze.Interval) float64
}

var latencyStats = []latencyStat{
	{"p50", 1, dotted, func(iv *analyze.Interval) float64 { return ms(iv.P50) }},
	{"p90", 1, dashed, func(iv *analyze.Interval) float64 { return ms(iv.P90) }},
	{"p99", 2, solid, func(iv *analyze.Interval) float64 { return ms(iv.P99) }},
	{"max", 0.8, []vg.Length{vg.Points(8), vg.Points(2), vg.Points(1), vg.Points(2)}, func(iv *analyze.Interval) float64 { return ms(iv.Max) }},
}

// LatencyOverTime draws p50, p90, p99 and max of every interval per
// target (successful requests), with the offered and achieved rate on a
// second panel and the phases shaded and named.
func LatencyOverTime(series []Series) *Chart {
	top := newPanel("", "", "latency (ms, log scale)")
	top.logY()
	top.addPhases(series, true)
	rate := newPanel("", "time since start (s)", "requests/s")
	rate.addPhases(series, false)
	for i, s := range series {
		for _, st := range latencyStats {
			top.addSegments(s.Name, st.name, s.timeline(st.value), lineStyle(i, st.width, st.dashes))
		}
	}
	addRates(rate, series)
	top.padLogY(1, 1000)

	c := &Chart{
		Name:    "latency-over-time",
		Title:   "Latency over time",
		Caption: "Each interval's p50, p90, p99 and max latency of successful requests per target (log scale), and below it the rate offered by the schedule and the rate actually sent. Shaded bands are the scenario's phases.",
		Width:   9 * vg.Inch, Height: 5.4 * vg.Inch,
		Rows: []Row{{Panels: []*Panel{top}, Weight: 2.2}, {Panels: []*Panel{rate}, Weight: 1}},
	}
	c.Legend = append(seriesLegend(series),
		LegendEntry{Label: "p50", Color: ink, Width: 1, Dashes: dotted},
		LegendEntry{Label: "p90", Color: ink, Width: 1, Dashes: dashed},
		LegendEntry{Label: "p99", Color: ink, Width: 2},
		LegendEntry{Label: "max", Color: ink, Width: 0.8, Dashes: latencyStats[3].dashes},
		LegendEntry{Label: "offered rate", Color: ink, Width: 1.2, Dashes: dashed},
		LegendEntry{Label: "achieved rate (target colour)", Color: grey, Width: 1.6},
	)
	return c
}

// addRates draws the offered rate (once when every series shares a
// timeline, grey and dashed) and each target's achieved rate.
func addRates(p *Panel, series []Series) {
	// Achieved first: the dashed offered line stays visible on top of it.
	for i, s := range series {
		p.addLine(s.Name, "achieved", s.timeline(func(iv *analyze.Interval) float64 { return perSecond(iv.Sent, iv) }), lineStyle(i, 1.6, solid))
	}
	offered := func(iv *analyze.Interval) float64 { return perSecond(iv.Offered, iv) }
	if sameTimeline(series) {
		p.addLine("", "offered", series[0].timeline(offered), draw.LineStyle{Color: ink, Width: 1.2, Dashes: dashed})
	} else {
		for i, s := range series {
			p.addLine(s.Name, "offered", s.timeline(offered), lineStyle(i, 1.2, dashed))
		}
	}
	p.Y.Min = 0
}

// seriesLegend names each series in its colour.
func seriesLegend(series []Series) []LegendEntry {
	var out []LegendEntry
	for i, s := range series {
		out = append(out, LegendEntry{Label: s.Name, Color: SeriesColor(i), Width: 3})
	}
	return out
}
