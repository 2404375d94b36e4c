package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/report/charts"
)

// SweepFormats are the formats of the sweep view.
var SweepFormats = []string{"text", "md", "json", "html"}

// WriteSweep writes the comparison of a memory sweep's sizes: per size the
// latency with its intervals, the mean billed duration, the init time and
// the cost per million with its interval, and the recommended size.
func WriteSweep(w io.Writer, format string, ss *analyze.SweepSummary) error {
	switch format {
	case "text":
		return writeText(w, sweepText(ss))
	case "md":
		return writeText(w, sweepMarkdown(ss))
	case "json":
		doc := struct {
			SchemaVersion int    `json:"schema_version"`
			Kind          string `json:"kind"`
			*analyze.SweepSummary
		}{analyze.SchemaVersion, "sweep", ss}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case "html":
		return sweepHTML(w, ss)
	}
	return unsupported(format, SweepFormats)
}

func sweepHeader() []string {
	return []string{"memory", "requests", "p50 (95% CI)", "p99 (95% CI)", "mean billed", "init p50", "USD per 1M (95% CI)"}
}

func sweepText(ss *analyze.SweepSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sweep %s  target %s  %d memory sizes  strategy %s\n\n", ss.Dir, ss.Target, len(ss.Sizes), ss.Strategy)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(sweepHeader(), "\t")+"\t")
	for _, z := range ss.Sizes {
		fmt.Fprintln(tw, strings.Join(charts.SweepRow(z), "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nrecommended (%s): %d MB. %s.\n", ss.Strategy, ss.Recommended, upperFirst(ss.Reason))
	for _, z := range ss.Sizes {
		if !z.Priced {
			fmt.Fprintf(&b, "%d MB not priced: %s\n", z.MemoryMB, z.Reason)
		}
	}
	b.WriteString("cost per million: marginal, each size at its own memory; its interval is from the variation of the mean billed duration between the run's intervals\n")
	return b.String()
}

func sweepMarkdown(ss *analyze.SweepSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### fnbench memory sweep: %s\n\n", mdEscape(ss.Target))
	fmt.Fprintf(&b, "**Recommended (%s): %d MB.** %s.\n\n", mdEscape(ss.Strategy), ss.Recommended, mdEscape(upperFirst(ss.Reason)))
	b.WriteString("| " + strings.Join(sweepHeader(), " | ") + " |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, z := range ss.Sizes {
		row := charts.SweepRow(z)
		for i := range row {
			row[i] = mdEscape(row[i])
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	return b.String()
}

var sweepPage = template.Must(template.New("sweep").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fnbench memory sweep: {{.S.Target}}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#1d1d1f;padding:0 1em}
table{border-collapse:collapse;margin:1em 0}th,td{padding:.3em .7em;border-bottom:1px solid #ddd;text-align:right}th:first-child,td:first-child{text-align:left}
.sub{color:#555}.rec{font-size:1.15em}svg{max-width:100%;height:auto}</style></head><body>
<h1>Memory sweep: {{.S.Target}}</h1>
<p class="sub">{{.S.Dir}}: {{len .S.Sizes}} memory sizes, each the whole schedule. Strategy <b>{{.S.Strategy}}</b>.</p>
<p class="rec"><b>Recommended: {{.S.Recommended}} MB.</b> {{.S.Reason}}.</p>
<figure>{{.Chart}}</figure>
<table><thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody></table>
<p class="sub">Latency from the intended send time, successful requests. Mean billed duration from the REPORT lines (or the function's markers). Cost per million is marginal, each size priced at its own memory; its 95% interval comes from the variation of the mean billed duration between the run's intervals. Two sizes whose intervals overlap on the strategy's measure cannot be told apart; the smaller is recommended. Each size's own report: <code>fnbench report {{.S.Dir}}/&lt;size&gt;mb</code>.</p>
</body></html>
`))

func sweepHTML(w io.Writer, ss *analyze.SweepSummary) error {
	svg, err := charts.Sweep(ss).WithoutTable().SVG()
	if err != nil {
		return err
	}
	var rows [][]string
	for _, z := range ss.Sizes {
		rows = append(rows, charts.SweepRow(z))
	}
	var buf bytes.Buffer
	err = sweepPage.Execute(&buf, struct {
		S     *analyze.SweepSummary
		Chart template.HTML
		Head  []string
		Rows  [][]string
	}{ss, template.HTML(svg), sweepHeader(), rows}) //nolint:gosec // the SVG is our own rendering; text in it is escaped by vgsvg
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}
