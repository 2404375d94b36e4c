package charts

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

// Scaling draws the instances over time per target — those answering in
// each interval (solid) and all seen so far (dashed) — with throttled
// intervals marked, above the offered and achieved rate.
func Scaling(series []Series) *Chart {
	inst := newPanel("", "", "instances")
	inst.addPhases(series, true)
	rate := newPanel("", "time since start (s)", "requests/s")
	rate.addPhases(series, false)
	proxy := false
	var throttled int64
	for i, s := range series {
		sc := s.Table().Scaling
		ivs := s.intervals()
		var answering, seen, marks plotter.XYs
		var cum int64
		for k := range ivs {
			iv := &ivs[k]
			x := mid(iv)
			if sc.Source == analyze.ScalingColdStarts {
				cum += iv.Cold
			} else {
				cum += iv.NewInstances
				answering = append(answering, plotter.XY{X: x, Y: float64(iv.Instances)})
			}
			seen = append(seen, plotter.XY{X: x, Y: float64(cum)})
			if th := iv.Classes[rundir.ClassThrottled]; th > 0 {
				marks = append(marks, plotter.XY{X: x, Y: float64(iv.Instances)})
				throttled += th
			}
		}
		if sc.Source == analyze.ScalingColdStarts {
			proxy = true
			inst.addLine(s.Name, "cold starts so far (proxy)", seen, lineStyle(i, 1.6, dashed))
		} else {
			inst.addLine(s.Name, "answering", answering, lineStyle(i, 1.8, solid))
			inst.addLine(s.Name, "seen so far", seen, lineStyle(i, 1.2, dashed))
		}
		inst.addPoints(s.Name, "throttled", marks, draw.GlyphStyle{Color: SeriesColor(i), Radius: 4.5, Shape: draw.CrossGlyph{}})
	}
	inst.Y.Min = 0
	inst.Y.Max = max(inst.Y.Max, 1)
	addRates(rate, series)
	c := &Chart{
		Name:    "scaling",
		Title:   "Scaling: instances over time",
		Caption: "Execution environments that answered in each interval (solid) and all seen since the start (dashed), above the offered and achieved rate. A cross marks an interval with throttled requests.",
		Width:   9 * vg.Inch, Height: 5 * vg.Inch,
		Rows: []Row{{Panels: []*Panel{inst}, Weight: 1.6}, {Panels: []*Panel{rate}, Weight: 1}},
	}
	c.Legend = append(seriesLegend(series),
		LegendEntry{Label: "answering in the interval", Color: ink, Width: 1.8},
		LegendEntry{Label: "seen so far", Color: ink, Width: 1.2, Dashes: dashed},
		LegendEntry{Label: fmt.Sprintf("throttled (%d requests)", throttled), Color: ink, Glyph: draw.CrossGlyph{}},
		LegendEntry{Label: "offered rate", Color: ink, Width: 1.2, Dashes: dashed},
		LegendEntry{Label: "achieved rate (target colour)", Color: grey, Width: 1.6},
	)
	if proxy {
		c.Caption += " Where responses named no instance, cold starts so far stand in for instances (a proxy: evictions are not seen)."
	}
	return c
}
