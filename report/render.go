package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/report/charts"
)

// Formats are the output formats of `fnbench report`.
var Formats = []string{"text", "md", "json", "junit", "html"}

// Options change what a report shows.
type Options struct {
	// Pricing is the price table of the monthly projection (nil: the
	// built-in one); ProjectRPS the rate it projects, requests per second
	// (0: the highest rate the runs offered).
	Pricing    *cost.Table
	ProjectRPS float64
	// Version is the fnbench that writes the report.
	Version string
}

// Render writes the runs in one of Formats.
func Render(w io.Writer, format string, runs []Run, o Options) error {
	switch format {
	case "text":
		return Text(w, summaries(runs)...)
	case "json":
		return JSON(w, summaries(runs)...)
	case "md":
		return Markdown(w, runs, o)
	case "junit":
		return JUnit(w, runs)
	case "html":
		return HTML(w, runs, o)
	}
	return fmt.Errorf("--format %q is not supported; use %s", format, strings.Join(Formats, ", "))
}

// Charts builds every chart of the runs, as the HTML report shows them.
func Charts(runs []Run, o Options) []*charts.Chart {
	return charts.All(Series(runs), o.costOptions(runs))
}

// costOptions: the projection rate defaults to the highest interval rate
// offered, rounded to two significant digits.
func (o Options) costOptions(runs []Run) charts.CostOptions {
	rps := o.ProjectRPS
	if rps <= 0 {
		for _, r := range runs {
			for _, tr := range r.Summary.Run.Targets {
				for _, iv := range tr.Intervals {
					if span := iv.EndNanos - iv.StartNanos; span > 0 {
						rps = max(rps, float64(iv.Offered)*1e9/float64(span))
					}
				}
			}
		}
		rps = roundRate(rps)
	}
	return charts.CostOptions{Pricing: o.Pricing, RPS: rps}
}

// roundRate keeps two significant digits: 117.3 → 120.
func roundRate(r float64) float64 {
	if r <= 0 {
		return 0
	}
	var s float64
	fmt.Sscanf(fmt.Sprintf("%.2g", r), "%g", &s)
	return s
}
