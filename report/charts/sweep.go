package charts

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/units"
)

// latencyCI is a percentile and its 95% interval: "812ms (740ms–903ms)".
func latencyCI(q analyze.Quantile) string {
	if q.Value == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (%s–%s)", units.Latency(q.Value), units.Latency(q.CI95.Low), units.Latency(q.CI95.High))
}

// Sweep plots a memory sweep's cost against its time, as AWS Lambda Power
// Tuning does, with fnbench's intervals: one point per memory size at its
// p99 (x) and cost per million requests (y), a cross of its two 95%
// intervals through it, labelled with the size; the recommended size is
// drawn larger.
func Sweep(ss *analyze.SweepSummary) *Chart {
	p := newPanel(fmt.Sprintf("Cost against p99 by memory size (%s)", ss.Target), "p99 latency (ms)", "USD per 1M requests")
	var pts plotter.XYs
	for _, z := range ss.Sizes {
		if !z.Priced || z.Requests == 0 {
			continue
		}
		x, y := ms(z.P99.Value), z.PerMillion
		ls := lineStyle(0, 1.2, nil)
		for _, seg := range []plotter.XYs{
			{{X: ms(z.P99.CI95.Low), Y: y}, {X: ms(z.P99.CI95.High), Y: y}},
			{{X: x, Y: z.PerMillionLow}, {X: x, Y: z.PerMillionHigh}},
		} {
			if l, err := plotter.NewLine(seg); err == nil {
				l.LineStyle = ls
				p.Add(l)
			}
		}
		pts = append(pts, plotter.XY{X: x, Y: y})
		label := fmt.Sprintf("%d MB", z.MemoryMB)
		if z.MemoryMB == ss.Recommended {
			label += " (recommended)"
		}
		p.Add(barLabel(x, z.PerMillionHigh, label))
	}
	gs := draw.GlyphStyle{Color: SeriesColor(0), Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
	p.addPoints(ss.Target, "per size", pts, gs)
	for _, z := range ss.Sizes {
		if z.MemoryMB == ss.Recommended && z.Priced {
			p.addPoints(ss.Target, "recommended", plotter.XYs{{X: ms(z.P99.Value), Y: z.PerMillion}},
				draw.GlyphStyle{Color: SeriesColor(1), Radius: vg.Points(6), Shape: draw.RingGlyph{}})
		}
	}
	p.Y.Min = 0
	p.Y.Max *= 1.15
	t := &Table{Header: []string{"memory", "requests", "p50 (95% CI)", "p99 (95% CI)", "mean billed", "init p50", "USD per 1M (95% CI)"}}
	for _, z := range ss.Sizes {
		t.Rows = append(t.Rows, SweepRow(z))
	}
	return &Chart{
		Name:    "sweep",
		Title:   "Memory sweep",
		Caption: fmt.Sprintf("Each point is one memory size: its p99 latency and its cost per million requests (marginal), with their 95%% intervals as a cross. Recommended under the %s strategy: %d MB; %s.", ss.Strategy, ss.Recommended, ss.Reason),
		Width:   9 * vg.Inch, Height: 4.6*vg.Inch + vg.Length(len(t.Rows)+1)*tableRowHeight,
		Rows:  []Row{{Panels: []*Panel{p}, Weight: 1}},
		Table: t,
		Legend: []LegendEntry{
			{Label: "memory size (p99, cost)", Color: SeriesColor(0), Glyph: draw.CircleGlyph{}},
			{Label: "recommended", Color: SeriesColor(1), Glyph: draw.RingGlyph{}},
		},
	}
}

// SweepRow is one memory size as the sweep's tables show it.
func SweepRow(z analyze.SweepSize) []string {
	row := []string{fmt.Sprintf("%d MB", z.MemoryMB), fmt.Sprintf("%d", z.Requests),
		latencyCI(z.P50), latencyCI(z.P99), "-", "-", "not priced"}
	if z.MeanBilled > 0 {
		row[4] = units.Latency(z.MeanBilled)
	}
	if z.InitP50 > 0 {
		row[5] = units.Latency(z.InitP50)
	}
	if z.Priced {
		row[6] = fmt.Sprintf("$%s ($%s–$%s)", money(z.PerMillion), money(z.PerMillionLow), money(z.PerMillionHigh))
		if z.Basis == "estimate" || z.Basis == "range" {
			row[6] += " " + z.Basis
		}
	}
	return row
}
