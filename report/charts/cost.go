package charts

import (
	"fmt"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fnbench/fnbench/analyze/cost"
)

// parts of a cost bar, bottom to top.
var costParts = []struct {
	name string
	of   func(p *cost.Parts) cost.Decimal
}{
	{"requests", func(p *cost.Parts) cost.Decimal { return p.Requests }},
	{"compute", func(p *cost.Parts) cost.Decimal { return p.Compute }},
	{"init", func(p *cost.Parts) cost.Decimal { return p.Init }},
	{"gateway", func(p *cost.Parts) cost.Decimal { return p.Gateway }},
	{"database", func(p *cost.Parts) cost.Decimal { return p.Database }},
}

// Cost draws each target's cost per million requests as a bar stacked by
// part (requests, compute, init, gateway, database), and beside it the
// monthly bill the analysis projected (ProjectedRPS). Targets that could
// not be priced or projected get no bar and say why in the caption.
func Cost(series []Series) *Chart {
	rps := ProjectedRPS(series)
	perM := newPanel("Cost per million requests (marginal)", "", "USD per 1M requests")
	monthly := newPanel(fmt.Sprintf("Monthly bill at %s requests/s (free tier applied)", trimFloat(rps)), "", "USD per month")
	names := make([]string, len(series))
	var below *plotter.BarChart
	var notes []string
	for k, part := range costParts {
		vals := make(plotter.Values, len(series))
		for i, s := range series {
			if b := s.Table().Cost.Bill; s.Table().Cost.Priced && b != nil {
				vals[i] = part.of(&b.PerMillionByPart).Float64()
			}
		}
		bars, err := plotter.NewBarChart(vals, 34)
		if err != nil {
			continue
		}
		bars.Color = partColors[k]
		bars.LineStyle.Width = 0
		if below != nil {
			bars.StackOn(below)
		}
		perM.Add(bars)
		perM.Lines = append(perM.Lines, Line{Stat: part.name, Points: len(vals)})
		below = bars
	}
	for i, s := range series {
		tc := s.Table().Cost
		names[i] = s.Name
		switch {
		case !tc.Priced:
			names[i] += "\n(not priced)"
			notes = append(notes, s.Name+": "+tc.Reason)
			continue
		case tc.Bill != nil && tc.Bill.Basis.Short() != "":
			names[i] += "\n(" + tc.Bill.Basis.Short() + ")"
		}
		if tc.Bill != nil && tc.Bill.High != nil {
			// A range: the bars show the lower end; a whisker and a label
			// reach the upper.
			lo, hi := tc.Bill.PerMillionUSD.Float64(), tc.Bill.High.PerMillionUSD.Float64()
			if w, err := plotter.NewLine(plotter.XYs{{X: float64(i), Y: lo}, {X: float64(i), Y: hi}}); err == nil {
				w.LineStyle.Width = vg.Points(1.5)
				w.LineStyle.Color = SeriesColor(i)
				perM.Add(w)
			}
			perM.Add(barLabel(float64(i), hi, tc.Bill.PerMillionText()))
		}
		p := s.Table().Projection
		switch {
		case rps <= 0:
			continue
		case p.Monthly == nil:
			if p.RPS > 0 {
				notes = append(notes, s.Name+": no projection: "+p.Reason)
			}
			continue
		case p.RPS != rps:
			notes = append(notes, s.Name+": monthly bill at "+trimFloat(p.RPS)+" requests/s")
		}
		vals := plotter.Values{p.Monthly.Cost.TotalUSD.Float64()}
		bar, err := plotter.NewBarChart(vals, 34)
		if err != nil {
			continue
		}
		bar.XMin = float64(i)
		bar.Color = SeriesColor(i)
		bar.LineStyle.Width = 0
		monthly.Add(bar)
		monthly.Lines = append(monthly.Lines, Line{Series: s.Name, Stat: "monthly", Points: 1})
		label, top := "$"+money(vals[0]), vals[0]
		if h := p.Monthly.Cost.High; h != nil {
			top = h.TotalUSD.Float64()
			label = "$" + money(vals[0]) + "–$" + money(top)
			if w, err := plotter.NewLine(plotter.XYs{{X: float64(i), Y: vals[0]}, {X: float64(i), Y: top}}); err == nil {
				w.LineStyle.Width = vg.Points(1.5)
				w.LineStyle.Color = SeriesColor(i)
				monthly.Add(w)
			}
		}
		monthly.Add(barLabel(float64(i), top, label))
	}
	for _, p := range []*Panel{perM, monthly} {
		p.NominalX(names...)
		p.Y.Min = 0
		p.Y.Max = max(p.Y.Max*1.12, 1e-6)
		p.X.Min, p.X.Max = -0.6, float64(len(series))-0.4
	}
	panels := []*Panel{perM, monthly}
	if rps <= 0 {
		panels = panels[:1]
	}
	c := &Chart{
		Name:    "cost",
		Title:   "Cost",
		Caption: "Left: what a million requests cost at the run's measured usage (or, for targets marked estimate, the provider's rules applied to client latency; for a range, the bars show the lower end and a line reaches the upper), by part, with no free tier. Right: the monthly bill at the projected rate, free tier applied and volume tiers walked.",
		Width:   9 * vg.Inch, Height: 4.2 * vg.Inch,
		Rows: []Row{{Panels: panels, Weight: 1}},
	}
	for k, part := range costParts {
		c.Legend = append(c.Legend, LegendEntry{Label: part.name, Color: partColors[k], Swatch: true})
	}
	for i, s := range series {
		if rps > 0 {
			c.Legend = append(c.Legend, LegendEntry{Label: s.Name + " (monthly)", Color: SeriesColor(i), Swatch: true})
		}
	}
	if len(notes) > 0 {
		c.Caption += " " + joinNotes(notes) + "."
	}
	return c
}

// ProjectedRPS is the rate of the series' monthly projections, requests
// per second (analyze.SummarizeRuns projects runs read together at one
// rate); 0 when none was projected.
func ProjectedRPS(series []Series) float64 {
	for _, s := range series {
		if r := s.Table().Projection.RPS; r > 0 {
			return r
		}
	}
	return 0
}

// barLabel writes a value above a bar.
type barText struct {
	x, y float64
	text string
}

func barLabel(x, y float64, s string) plot.Plotter { return barText{x, y, s} }

func (b barText) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ts := style(sans, 9, ink)
	ts.XAlign, ts.YAlign = draw.XCenter, draw.YBottom
	c.FillText(ts, vg.Point{X: trX(b.x), Y: trY(b.y) + 2}, b.text)
}

// money prints USD with two decimals, or more below a cent.
func money(usd float64) string {
	switch {
	case usd == 0:
		return "0"
	case usd < 0.01:
		return strconv.FormatFloat(usd, 'g', 2, 64)
	case usd >= 1000:
		return strconv.FormatFloat(usd, 'f', 0, 64)
	}
	return strconv.FormatFloat(usd, 'f', 2, 64)
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
