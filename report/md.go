package report

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/units"
)

// Markdown writes a short report for a GitHub job summary or a pull
// request comment: the verdict first, one table row per target (with
// several runs, a row per run under each target), each run's checks with
// those that did not pass listed, then the per-phase detail folded away.
func Markdown(w io.Writer, runs []Run, o Options) error {
	series, groups := layout(runs)
	multi := len(runs) > 1
	var b strings.Builder
	var names []string
	for _, r := range runs {
		names = append(names, scenarioOf(r.Summary))
	}
	// Everything taken from a run is escaped: run.json is outside input,
	// and the page is meant for pull-request comments.
	fmt.Fprintf(&b, "### fnbench: %s\n\n", mdEscape(strings.Join(unique(names), ", ")))
	fmt.Fprintf(&b, "**%s.**\n\n", mdEscape(Headline(runs)))
	// name is the first cells of a target's row: the target, and with
	// several runs the run.
	name := func(g targetGroup, k int) string {
		if multi {
			return mdEscape(g.Name) + " | " + mdEscape(runs[g.Runs[k]].Label)
		}
		return mdEscape(series[g.Series[k]].Name)
	}
	head := func(cols, align string) {
		if multi {
			cols, align = "target | run | "+cols, "--- | --- | "+align
		} else {
			cols, align = "target | "+cols, "--- | "+align
		}
		b.WriteString("| " + cols + " |\n| " + align + " |\n")
	}
	head("requests | p50 | p99 (95% CI) | errors | cold starts | USD per 1M", "---: | ---: | ---: | ---: | ---: | ---:")
	for _, g := range groups {
		for k, si := range g.Series {
			ts := series[si].Table()
			tot := ts.Total
			p50, p99 := "-", "-"
			if l := tot.Latency.OK; l != nil {
				p50 = units.Latency(l.P50.Value)
				p99 = units.Latency(l.P99.Value) + " (" + ciText(l.P99.CI95) + ")"
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s |\n", name(g, k), tot.Sent, p50, p99,
				errorText(tot), coldText(ts), costText(ts.Cost))
		}
	}
	for _, r := range runs {
		if r.Checks == nil {
			continue
		}
		of := ""
		if multi {
			of = " of " + mdEscape(r.Label)
		}
		fmt.Fprintf(&b, "\nChecks%s: %s.\n", of, gateLine(r.Checks))
		for i := range r.Checks.Results {
			c := &r.Checks.Results[i]
			if c.Verdict == analyze.Pass {
				continue
			}
			target := ""
			if c.Target != "" {
				target = mdEscape(c.Target) + " "
			}
			fmt.Fprintf(&b, "- %s %s%s: %s\n", mdMark(c.Verdict), target, mdCode(c.Expr), mdEscape(checkSentence(c)))
		}
	}
	for _, r := range runs {
		for _, warn := range r.Summary.Warnings {
			fmt.Fprintf(&b, "\n> **Note**: %s\n", mdEscape(runPrefix(multi, r)+warn))
		}
	}
	b.WriteString("\n<details><summary>Per phase</summary>\n\n")
	head("phase | requests | rate/s | p50 | p90 | p99 | max | cold | errors", "--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---:")
	for _, g := range groups {
		for k, si := range g.Series {
			ts := series[si].Table()
			for _, row := range append(append([]analyze.Row(nil), ts.Phases...), ts.Total) {
				fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %d | %d |\n", name(g, k), mdEscape(row.Phase), row.Sent,
					rate(row.AchievedRate, row.OfferedRate), units.Latency(row.P50), units.Latency(row.P90), units.Latency(row.P99),
					units.Latency(row.Max), row.Cold, row.Errors)
			}
		}
	}
	b.WriteString("\n</details>\n\n")
	for _, g := range groups {
		for k, si := range g.Series {
			if line := forcedLine(series[si].Table().Forced); line != "" {
				fmt.Fprintf(&b, "- %s: %s\n", strings.ReplaceAll(name(g, k), " | ", ", "), mdEscape(line))
			}
		}
	}
	timingMarkdown(&b, series, groups, name, head)
	shardMarkdown(&b, runs)
	for _, r := range runs {
		info := &r.Summary.Run.Info
		fmt.Fprintf(&b, "<sub>%s: `%s`, %s, %s, fnbench %s, prices %s</sub>\n\n", mdEscape(r.Label), mdEscape(r.Summary.Run.Dir),
			info.StartTime.UTC().Format("2006-01-02 15:04:05 UTC"), statusText(r.Summary.Run), info.Tool.Version, r.Summary.Pricing.Date)
	}
	_, err := io.WriteString(w, strings.TrimRight(b.String(), "\n")+"\n")
	return err
}

func ciText(ci analyze.CI) string {
	s := units.Latency(ci.Low) + "–" + units.Latency(ci.High)
	if ci.Open != "" {
		s += ", open " + ci.Open
	}
	return s
}

func errorText(r analyze.Row) string {
	if r.Completed == 0 {
		return "-"
	}
	return percent(r.ErrorRate)
}

func coldText(ts *analyze.TargetSummary) string {
	if ts.Cold.Detection == "none" {
		return "not detected"
	}
	if ts.Total.Cold == 0 && ts.Cold.Note != "" {
		return "none tagged"
	}
	return fmt.Sprintf("%d", ts.Total.Cold)
}

func costText(c analyze.TargetCost) string {
	if !c.Priced || c.Bill == nil {
		return "not priced"
	}
	s := c.Bill.PerMillionText()
	if caveat := c.Bill.Basis.Short(); caveat != "" {
		s += " (" + caveat + ")"
	}
	return s
}

func scenarioOf(s *analyze.Summary) string { return s.Run.Info.ScenarioName() }

func unique(ss []string) []string {
	var out []string
	for _, s := range ss {
		found := false
		for _, o := range out {
			found = found || o == s
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

// mdCode sets an expression in code, where markup does not apply; only a
// '|' would still end a table cell.
func mdCode(s string) string { return "`" + strings.ReplaceAll(s, "|", `\|`) + "`" }

// upperFirst capitalises a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// mdEscape keeps a name from breaking a table or turning into markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "`", "'", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
