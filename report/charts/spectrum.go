package charts

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

// spectrumNines is how far the percentile axis goes: 99.999%.
const spectrumNines = 5

// Spectrum draws the HdrHistogram-style latency-by-percentile plot: the
// x axis is 1/(1−q) on a log scale, labelled 90%, 99%, … 99.999%; one
// line per target for warm requests (solid) and one for cold (dashed).
func Spectrum(series []Series) *Chart {
	p := spectrumPanel()
	for i, s := range series {
		p.addLine(s.Name, "warm", spectrum(s.latency(rundir.OutcomeWarm)), lineStyle(i, 1.8, solid))
		p.addLine(s.Name, "cold", spectrum(s.latency(rundir.OutcomeCold)), lineStyle(i, 1.8, dashed))
	}
	p.padLogY(1, 1000)
	c := &Chart{
		Name:    "percentile-spectrum",
		Title:   "Latency by percentile",
		Caption: "The latency below which each share of requests finished, warm and cold requests apart; the further right, the rarer. A line stops where the run had too few requests to say more.",
		Width:   9 * vg.Inch, Height: 4.6 * vg.Inch,
		Rows: []Row{{Panels: []*Panel{p}, Weight: 1}},
	}
	c.Legend = append(seriesLegend(series),
		LegendEntry{Label: "warm", Color: ink, Width: 1.8},
		LegendEntry{Label: "cold", Color: ink, Width: 1.8, Dashes: dashed})
	return c
}

func spectrumPanel() *Panel {
	p := newPanel("", "percentile", "latency (ms, log scale)")
	p.logY()
	p.logX()
	p.setLogX(1, math.Pow(10, spectrumNines))
	p.X.Tick.Marker = plot.TickerFunc(percentileTicks)
	return p
}

// percentileTicks labels 1/(1−q) = 10^k (the axis holds k) as 0%, 90%,
// 99%, 99.9%, …
func percentileTicks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for k := 0; k <= spectrumNines; k++ {
		if float64(k) < lo-1e-9 || float64(k) > hi+1e-9 {
			continue
		}
		ts = append(ts, plot.Tick{Value: float64(k), Label: percentLabel(1 - math.Pow(10, -float64(k)))})
	}
	return ts
}

func percentLabel(q float64) string {
	return strconv.FormatFloat(math.Round(q*1e7)/1e5, 'f', -1, 64) + "%"
}

// spectrum samples a distribution at percentiles evenly spaced on the
// 1/(1−q) log axis, up to where its count can resolve them (q with
// 1/(1−q) ≤ n); then one last point at the maximum.
func spectrum(d analyze.Dist) plotter.XYs {
	n := d.Count()
	if n == 0 {
		return nil
	}
	const perDecade = 40
	limit := math.Min(float64(n), math.Pow(10, spectrumNines))
	var xys plotter.XYs
	for k := 0; ; k++ {
		x := math.Pow(10, float64(k)/perDecade)
		if x > limit {
			break
		}
		q := 1 - 1/x
		xys = append(xys, plotter.XY{X: x, Y: ms(d.Percentile(math.Max(q*100, 1e-9)))})
	}
	xys = append(xys, plotter.XY{X: limit, Y: ms(d.Max())})
	return xys
}
