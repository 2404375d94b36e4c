package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/units"
)

// Markdown writes a short report for a GitHub job summary or a pull
// request comment: the verdict first, one table row per target, the
// sanity checks, then the per-phase detail folded away.
func Markdown(w io.Writer, runs []Run, o Options) error {
	series := Series(runs)
	var b strings.Builder
	var names []string
	for _, r := range runs {
		names = append(names, scenarioOf(r.Summary))
	}
	fmt.Fprintf(&b, "### fnbench: %s\n\n", strings.Join(unique(names), ", "))
	fmt.Fprintf(&b, "**%s.**\n\n", Headline(runs))
	b.WriteString("| target | requests | p50 | p99 (95% CI) | errors | cold starts | USD per 1M |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	passed, failed := 0, 0
	var failures []string
	for _, s := range series {
		ts := &s.Summary.Tables[s.Target]
		tot := ts.Total
		p50, p99 := "-", "-"
		if l := tot.Latency.OK; l != nil {
			p50 = units.Latency(l.P50.Value)
			p99 = units.Latency(l.P99.Value) + " (" + ciText(l.P99.CI95) + ")"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s |\n", mdEscape(s.Name), tot.Sent, p50, p99,
			errorText(tot), coldText(ts), costText(ts.Cost))
		for _, c := range SanityChecks(s.Summary.Run, ts) {
			if c.Passed {
				passed++
			} else {
				failed++
				failures = append(failures, fmt.Sprintf("- ❌ %s: %s — %s", mdEscape(s.Name), c.Name, c.Detail))
			}
		}
	}
	fmt.Fprintf(&b, "\nSanity checks: %d passed, %d failed.\n", passed, failed)
	for _, f := range failures {
		b.WriteString(f + "\n")
	}
	b.WriteString("\n<details><summary>Per phase</summary>\n\n")
	b.WriteString("| target | phase | requests | rate/s | p50 | p90 | p99 | max | cold | errors |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range series {
		ts := &s.Summary.Tables[s.Target]
		for _, row := range append(append([]analyze.Row(nil), ts.Phases...), ts.Total) {
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %d | %d |\n", mdEscape(s.Name), mdEscape(row.Phase), row.Sent,
				rate(row.AchievedRate, row.OfferedRate), units.Latency(row.P50), units.Latency(row.P90), units.Latency(row.P99),
				units.Latency(row.Max), row.Cold, row.Errors)
		}
	}
	b.WriteString("\n</details>\n\n")
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
	return fmt.Sprintf("%.2f%%", 100*r.ErrorRate)
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
	s := "$" + c.Bill.PerMillionUSD.Fixed(2)
	if c.Bill.Estimate {
		s += " (estimate)"
	}
	return s
}

func scenarioOf(s *analyze.Summary) string {
	var f struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(s.Run.Info.Scenario, &f)
	return f.Name
}

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

// mdEscape keeps a name from breaking a table or turning into markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "`", "'", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
