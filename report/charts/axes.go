package charts

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fnbench/fnbench/internal/rundir"
)

// newPanel makes a panel with fnbench's text styles, axis labels (units
// included) and a light grid.
func newPanel(title, xLabel, yLabel string) *Panel {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle = style(sansBold, 10.5, ink)
	p.Title.TextStyle.XAlign = draw.XCenter
	p.Title.TextStyle.YAlign = draw.YTop
	p.Title.Padding = 4
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = style(sans, 10, ink)
		a.Label.TextStyle.XAlign = draw.XCenter
		a.Label.TextStyle.YAlign = draw.YBottom
		a.Tick.Label = style(sans, 9, ink)
		a.Color, a.Tick.Color = grey, grey
		a.LineStyle.Width, a.Tick.LineStyle.Width = 0.6, 0.6
		a.Padding = 0
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Tick.Label.XAlign = draw.XCenter
	p.X.Tick.Label.YAlign = draw.YTop
	p.Y.Tick.Label.XAlign = draw.XRight
	p.Y.Tick.Label.YAlign = draw.YCenter
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.TickerFunc(linearTicks), plot.TickerFunc(linearTicks)
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = gridColor, gridColor
	grid.Vertical.Width, grid.Horizontal.Width = 0.5, 0.5
	p.Add(grid)
	return &Panel{Plot: p}
}

// logY puts the panel's y axis on a log scale. Values are drawn as their
// base-10 logarithm on a linear axis whose ticks are labelled with the
// values themselves (gonum/plot's own log scale places the axis label
// off-centre and pads the panel for it).
func (p *Panel) logY() {
	p.yLog = true
	p.Y.Tick.Marker = plot.TickerFunc(logTicks)
}

// logX: the same for x.
func (p *Panel) logX() {
	p.xLog = true
	p.X.Tick.Marker = plot.TickerFunc(logTicks)
}

// padLogY widens a log y axis around its data: a little below, and
// enough above for the phase names. Without data it shows [lo, hi].
func (p *Panel) padLogY(lo, hi float64) {
	if math.IsInf(p.Y.Min, 0) || math.IsInf(p.Y.Max, 0) {
		p.Y.Min, p.Y.Max = math.Log10(lo), math.Log10(hi)
		return
	}
	p.Y.Min, p.Y.Max = p.Y.Min-math.Log10(1.4), p.Y.Max+math.Log10(2.2)
}

// setLogX fixes the range of a log x axis, in values (not exponents).
func (p *Panel) setLogX(lo, hi float64) { p.X.Min, p.X.Max = math.Log10(lo), math.Log10(hi) }

// transform maps points to the panel's axes (log10 where an axis is
// logarithmic), dropping those a log axis cannot show.
func (p *Panel) transform(xys plotter.XYs) plotter.XYs {
	if !p.xLog && !p.yLog {
		return xys
	}
	out := make(plotter.XYs, 0, len(xys))
	for _, pt := range xys {
		if p.xLog {
			if pt.X <= 0 {
				continue
			}
			pt.X = math.Log10(pt.X)
		}
		if p.yLog {
			if pt.Y <= 0 {
				continue
			}
			pt.Y = math.Log10(pt.Y)
		}
		out = append(out, pt)
	}
	return out
}

// logTicks takes exponents: it labels powers of ten with their value, and
// 2× and 5× them when the range spans less than two decades; other
// multiples are minor ticks.
func logTicks(loExp, hiExp float64) []plot.Tick {
	if !(hiExp > loExp) {
		return nil
	}
	narrow := hiExp-loExp < 2
	var ts []plot.Tick
	for e := math.Floor(loExp); e <= math.Ceil(hiExp); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := math.Log10(m * base)
			if v < loExp-1e-9 || v > hiExp+1e-9 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || narrow && (m == 2 || m == 5) {
				t.Label = strconv.FormatFloat(m*base, 'f', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// linearTicks labels every major tick at a step of 1, 2 or 5 times a
// power of ten, five to ten of them over the range.
func linearTicks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'f', -1, 64)}}
	}
	raw := (hi - lo) / 6
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * p
	for _, m := range []float64{1, 2, 5} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	prec := max(0, -int(math.Floor(math.Log10(step))))
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', prec, 64)})
		if minor := v + step/2; minor < hi {
			ts = append(ts, plot.Tick{Value: minor})
		}
	}
	return ts
}

// addLine draws a line and records it.
func (p *Panel) addLine(series, stat string, xys plotter.XYs, ls draw.LineStyle) {
	xys = p.transform(xys)
	if len(xys) == 0 {
		return
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return // NaN or Inf: nothing to draw
	}
	l.LineStyle = ls
	p.Add(l)
	p.Lines = append(p.Lines, Line{Series: series, Stat: stat, Points: len(xys)})
}

// addSegments draws a series whose gaps (y ≤ 0, nothing measured) stay
// gaps, as one recorded line.
func (p *Panel) addSegments(series, stat string, xys plotter.XYs, ls draw.LineStyle) {
	n := 0
	var seg plotter.XYs
	flush := func() {
		if len(seg) > 0 {
			if l, err := plotter.NewLine(seg); err == nil {
				l.LineStyle = ls
				p.Add(l)
				n += len(seg)
			}
		}
		seg = nil
	}
	for _, pt := range xys {
		if pt.Y <= 0 || math.IsNaN(pt.Y) {
			flush()
			continue
		}
		seg = append(seg, p.transform(plotter.XYs{pt})...)
	}
	flush()
	if n > 0 {
		p.Lines = append(p.Lines, Line{Series: series, Stat: stat, Points: n})
	}
}

// addPoints draws a scatter of glyphs.
func (p *Panel) addPoints(series, stat string, xys plotter.XYs, gs draw.GlyphStyle) {
	xys = p.transform(xys)
	if len(xys) == 0 {
		return
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return
	}
	s.GlyphStyle = gs
	p.Add(s)
	p.Lines = append(p.Lines, Line{Series: series, Stat: stat, Points: len(xys)})
}

// phaseBands shades every other phase and names each at the top of the
// panel, so a reader sees which part of the schedule a point belongs to.
type phaseBands struct {
	phases []rundir.PhaseInfo
	names  bool
}

func (b phaseBands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	ts := style(sans, 8.5, grey)
	ts.YAlign = draw.YTop
	for i, ph := range b.phases {
		x0, x1 := trX(float64(ph.StartNanos)/1e9), trX(float64(ph.EndNanos)/1e9)
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			continue
		}
		if i%2 == 1 {
			c.FillPolygon(bandColor, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
		}
		if b.names && ts.Width(ph.Name)+4 < x1-x0 {
			c.FillText(ts, vg.Point{X: x0 + 3, Y: c.Max.Y - 2}, ph.Name)
		}
	}
}

// addPhases shades the phases of the first series' run (series on other
// timelines are drawn against it).
func (p *Panel) addPhases(series []Series, names bool) {
	if len(series) == 0 {
		return
	}
	p.Add(phaseBands{phases: series[0].Summary.Run.Info.Phases, names: names})
}

// lineStyle is a series' line in its colour.
func lineStyle(i int, width vg.Length, dashes []vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: SeriesColor(i), Width: width, Dashes: dashes}
}
