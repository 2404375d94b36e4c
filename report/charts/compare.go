package charts

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/units"
)

// Compare overlays the percentile spectra of two series (a the baseline, b
// the candidate; successful requests, warm and cold together) and tabulates
// the differences. ai and bi are their indices in the report's series, which
// pick their colours.
func Compare(a, b Series, ai, bi int) *Chart {
	p := spectrumPanel()
	for _, x := range []struct {
		s Series
		i int
	}{{a, ai}, {b, bi}} {
		p.addLine(x.s.Name, "all successful", spectrum(x.s.latency(rundir.OutcomeWarm, rundir.OutcomeCold)), lineStyle(x.i, 2, solid))
	}
	p.padLogY(1, 1000)
	t := DeltaTable(a, b)
	c := &Chart{
		Name:    "compare-" + slug(a.Name) + "-vs-" + slug(b.Name),
		Title:   fmt.Sprintf("Comparison: %s vs %s", b.Name, a.Name),
		Caption: fmt.Sprintf("Latency by percentile of all successful requests of %s and %s, and the differences. A percentile differs when the two 95%% confidence intervals do not overlap.", a.Name, b.Name),
		Width:   9 * vg.Inch, Height: 4.4*vg.Inch + vg.Length(len(t.Rows)+1)*tableRowHeight,
		Rows:  []Row{{Panels: []*Panel{p}, Weight: 1}},
		Table: t,
		Legend: []LegendEntry{
			{Label: a.Name, Color: SeriesColor(ai), Width: 3},
			{Label: b.Name, Color: SeriesColor(bi), Width: 3},
		},
	}
	return c
}

// DeltaTable lists what differs between two series: latency percentiles
// (with whether their confidence intervals are apart), cold starts, errors
// and cost.
func DeltaTable(a, b Series) *Table {
	t := &Table{Header: []string{"", a.Name, b.Name, b.Name + " − " + a.Name, "ratio", "differs (95% CIs)"}}
	la, lb := a.Table().Total.Latency.OK, b.Table().Total.Latency.OK
	q := func(name string, of func(*analyze.LatencyStats) analyze.Quantile) {
		if la == nil || lb == nil {
			return
		}
		x, y := of(la), of(lb)
		apart := "no"
		if x.Above(y) || y.Above(x) {
			apart = "yes"
		}
		t.Rows = append(t.Rows, []string{name, units.Latency(x.Value), units.Latency(y.Value), signedLatency(y.Value - x.Value), ratio(float64(y.Value), float64(x.Value)), apart})
	}
	q("p50", func(l *analyze.LatencyStats) analyze.Quantile { return l.P50 })
	q("p90", func(l *analyze.LatencyStats) analyze.Quantile { return l.P90 })
	q("p99", func(l *analyze.LatencyStats) analyze.Quantile { return l.P99 })
	q("p99.9", func(l *analyze.LatencyStats) analyze.Quantile { return l.P999 })
	if la != nil && lb != nil {
		t.Rows = append(t.Rows, []string{"max", units.Latency(la.Max), units.Latency(lb.Max), signedLatency(lb.Max - la.Max), ratio(float64(lb.Max), float64(la.Max)), ""})
	}
	ca, cb := a.Table().Cold, b.Table().Cold
	t.Rows = append(t.Rows, []string{"cold starts", strconv.FormatInt(ca.Count, 10), strconv.FormatInt(cb.Count, 10),
		fmt.Sprintf("%+d", cb.Count-ca.Count), ratio(float64(cb.Count), float64(ca.Count)), ""})
	if ca.InitDuration != nil && cb.InitDuration != nil {
		t.Rows = append(t.Rows, []string{"init p50", units.Latency(ca.InitDuration.P50), units.Latency(cb.InitDuration.P50),
			signedLatency(cb.InitDuration.P50 - ca.InitDuration.P50), ratio(float64(cb.InitDuration.P50), float64(ca.InitDuration.P50)), ""})
	}
	ea, eb := a.Table().Total.ErrorRate, b.Table().Total.ErrorRate
	t.Rows = append(t.Rows, []string{"error rate", percent(ea), percent(eb), fmt.Sprintf("%+.2f pp", 100*(eb-ea)), "", ""})
	if pa, pb := a.Table().Cost, b.Table().Cost; pa.Priced && pb.Priced && pa.Bill != nil && pb.Bill != nil {
		x, y := pa.Bill.PerMillionUSD.Float64(), pb.Bill.PerMillionUSD.Float64()
		row := []string{"USD per 1M requests", "$" + money(x), "$" + money(y), fmt.Sprintf("%+.2f", y-x), ratio(y, x), ""}
		if pa.Bill.High != nil || pb.Bill.High != nil {
			// A range on either side: the difference and ratio of single
			// figures would claim what the evidence does not give.
			row[1], row[2], row[3], row[4] = pa.Bill.PerMillionText(), pb.Bill.PerMillionText(), "", ""
		}
		var caveats []string
		for _, s := range []struct {
			name string
			c    analyze.TargetCost
		}{{a.Name, pa}, {b.Name, pb}} {
			if c := s.c.Bill.Basis.Short(); c != "" {
				caveats = append(caveats, s.name+": "+c)
			}
		}
		row[5] = strings.Join(caveats, "; ")
		t.Rows = append(t.Rows, row)
	}
	return t
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }

func signedLatency(d time.Duration) string {
	switch {
	case d > 0:
		return "+" + units.Latency(d)
	case d < 0:
		return "−" + units.Latency(-d)
	}
	return "0"
}

func ratio(x, y float64) string {
	if y == 0 {
		return "-"
	}
	return strconv.FormatFloat(x/y, 'g', 3, 64) + "×"
}

// slug makes a name safe for a file name.
func slug(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	return string(b)
}
