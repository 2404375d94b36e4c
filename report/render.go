package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/report/charts"
)

// Formats are the output formats of `fnbench report`.
var Formats = []string{"text", "md", "json", "junit", "html"}

// Options change what a report shows. What the runs cost, and their
// monthly projection, are the analysis's (analyze.Options).
type Options struct {
	// Version is the fnbench that writes the report.
	Version string
}

// Render writes the runs in one of Formats.
func Render(w io.Writer, format string, runs []Run, o Options) error {
	switch format {
	case "text":
		return writeText(w, textReport(runs))
	case "json":
		doc := analyze.NewSummaryJSON(summaries(runs)...)
		for i := range doc.Runs {
			doc.Runs[i].Label = runs[i].Label
		}
		return writeJSON(w, doc)
	case "md":
		return Markdown(w, runs, o)
	case "junit":
		return JUnit(w, runs)
	case "html":
		return HTML(w, runs, o)
	}
	return unsupported(format, Formats)
}

// Charts builds every chart of the runs, as the HTML report shows them.
func Charts(runs []Run) []*charts.Chart {
	series, groups := layout(runs)
	return charts.All(series, comparisons(runs, groups))
}

func unsupported(format string, formats []string) error {
	return fmt.Errorf("--format %q is not supported; use %s", format, strings.Join(formats, ", "))
}

func writeText(w io.Writer, s string) error {
	_, err := io.WriteString(w, s)
	return err
}
