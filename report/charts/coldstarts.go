package charts

import (
	"slices"
	"time"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ColdStarts draws, per target, the cold starts of every interval against
// the rate offered in it (with the mean per offered-rate bin as a line),
// and the distribution of the init durations the cold starts reported.
func ColdStarts(series []Series) *Chart {
	byRate := newPanel("Cold starts per interval vs offered rate", "offered rate (requests/s)", "cold starts per interval")
	inits := newPanel("Init duration (distribution)", "init duration (ms, log scale)", "share of cold starts (%)")
	inits.logX()
	var lo, hi time.Duration
	var notes []string
	for i, s := range series {
		var pts plotter.XYs
		ivs := s.intervals()
		for k := range ivs {
			iv := &ivs[k]
			if iv.Offered > 0 || iv.Cold > 0 {
				pts = append(pts, plotter.XY{X: perSecond(iv.Offered, iv), Y: float64(iv.Cold)})
			}
		}
		byRate.addPoints(s.Name, "per interval", pts, draw.GlyphStyle{Color: SeriesColor(i), Radius: 2.6, Shape: seriesGlyph(i)})
		var mean plotter.XYs
		for _, b := range s.Table().Cold.ByOfferedRate {
			mean = append(mean, plotter.XY{X: (b.FromRPS + b.ToRPS) / 2, Y: b.ColdPerInterval})
		}
		byRate.addLine(s.Name, "mean per rate bin", mean, lineStyle(i, 1.5, solid))

		d := s.initDurations()
		if len(d) == 0 {
			notes = append(notes, s.Name+": no init durations reported")
			continue
		}
		slices.Sort(d)
		if lo == 0 || d[0] < lo {
			lo = d[0]
		}
		hi = max(hi, d[len(d)-1])
		inits.addLine(s.Name, "init ECDF", ecdf(d), draw.LineStyle{Color: SeriesColor(i), Width: 1.8})
		inits.addPoints(s.Name, "init", ecdf(d), draw.GlyphStyle{Color: SeriesColor(i), Radius: 2, Shape: seriesGlyph(i)})
	}
	byRate.X.Min, byRate.Y.Min = 0, 0
	byRate.Y.Max = max(byRate.Y.Max, 1)
	inits.Y.Min, inits.Y.Max = 0, 100
	if lo > 0 {
		// A decade's margin either side keeps a single value readable.
		inits.setLogX(ms(lo)/1.5, ms(hi)*1.5)
	} else {
		inits.setLogX(1, 10000)
	}
	if len(notes) > 0 {
		inits.Title.Text += "\n" + joinNotes(notes)
	}
	c := &Chart{
		Name:    "cold-starts",
		Title:   "Cold starts",
		Caption: "Left: every interval's cold starts against the rate offered in it, and the mean per rate bin. Right: the share of cold starts whose reported init (or restore) duration was at most x.",
		Width:   9 * vg.Inch, Height: 4.2 * vg.Inch,
		Rows: []Row{{Panels: []*Panel{byRate, inits}, Weight: 1}},
	}
	for i, s := range series {
		c.Legend = append(c.Legend, LegendEntry{Label: s.Name, Color: SeriesColor(i), Glyph: seriesGlyph(i)})
	}
	return c
}

// ecdf is the empirical distribution of sorted durations: the share (in
// percent) of values at or below each.
func ecdf(d []time.Duration) plotter.XYs {
	xys := make(plotter.XYs, len(d))
	for i, v := range d {
		xys[i] = plotter.XY{X: ms(v), Y: 100 * float64(i+1) / float64(len(d))}
	}
	return xys
}

func joinNotes(notes []string) string {
	s := ""
	for i, n := range notes {
		if i > 0 {
			s += "; "
		}
		s += n
	}
	return s
}
