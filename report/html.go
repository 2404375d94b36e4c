package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/units"
	"github.com/fnbench/fnbench/report/charts"
)

//go:embed html.tmpl
var htmlTemplate string

// coldEventsShown is how many cold starts per target the evidence section
// lists one by one.
const coldEventsShown = 10

// HTML writes the report as one self-contained page: no scripts, no
// external fonts, styles or images (a Content-Security-Policy forbids
// them), charts as inline SVG. In order: the headline verdict, the
// scenario, per-target tables with confidence intervals (several runs: a
// group of rows per run) and the checks, where the time went (for runs
// that recorded it), the charts, cold-start evidence,
// the cost breakdown with the price table's date, and the run metadata.
func HTML(w io.Writer, runs []Run, o Options) error {
	series, groups := layout(runs)
	page := htmlPage{Headline: Headline(runs), Version: o.Version, ProjectRPS: charts.ProjectedRPS(series), Multi: len(runs) > 1}
	var names []string
	for _, r := range runs {
		page.Runs = append(page.Runs, newHTMLRun(r))
		names = append(names, scenarioOf(r.Summary))
		if rows := shardRows(r.Summary.Run.Merge); rows != nil {
			page.Shards = append(page.Shards, htmlShards{Label: r.Label, Head: shardHead, Rows: rows, Skew: SkewLine(r.Summary.Run.Merge)})
		}
	}
	page.Title = "fnbench report: " + joinComma(unique(names))
	for i, s := range series {
		page.Targets = append(page.Targets, newHTMLTarget(s, charts.Hex(charts.SeriesColor(i))))
		page.Timed = page.Timed || page.Targets[i].Timing != nil
	}
	for _, g := range groups {
		hg := htmlGroup{Name: g.Name}
		for k, si := range g.Series {
			t := page.Targets[si]
			t.Label = runs[g.Runs[k]].Label
			t.Checks = checksOf(runs[g.Runs[k]].Checks, t.Info.Name)
			hg.Members = append(hg.Members, t)
			hg.Timed = hg.Timed || t.Timing != nil
		}
		scaleTimingBars(hg.Members)
		page.Groups = append(page.Groups, hg)
	}
	for _, c := range charts.All(series, comparisons(runs, groups)) {
		svg, err := c.WithoutTable().SVG()
		if err != nil {
			return err
		}
		page.Charts = append(page.Charts, htmlChart{Name: c.Name, Title: c.Title, Caption: c.Caption, SVG: inlineSVG(svg, c.Title), Table: c.Table})
	}
	t, err := template.New("report").Funcs(htmlFuncs).Parse(htmlTemplate)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, page); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// checksOf are the results of a run's checks that concern a target: its
// own, and those of the whole run.
func checksOf(rep *analyze.CheckReport, target string) []analyze.CheckResult {
	if rep == nil {
		return nil
	}
	var out []analyze.CheckResult
	for _, r := range rep.Results {
		if r.Target == "" || r.Target == target {
			out = append(out, r)
		}
	}
	return out
}

type htmlPage struct {
	Title, Headline, Version string
	Runs                     []htmlRun
	Targets                  []htmlTarget // one per series, as charts colour them
	Groups                   []htmlGroup  // the targets side by side across runs
	Multi                    bool         // several runs
	Timed                    bool         // some target's timing was recorded
	Charts                   []htmlChart
	ProjectRPS               float64
	Shards                   []htmlShards // merged runs' shard tables
}

// htmlShards is a merged run's shard table (shardRows).
type htmlShards struct {
	Label, Skew string
	Head        []string
	Rows        [][]string
}

// htmlGroup is one target in every run that has it.
type htmlGroup struct {
	Name    string
	Members []htmlTarget
	Timed   bool // some member's timing was recorded
}

type htmlRun struct {
	Label, Scenario, Description string
	Info                         *rundir.RunInfo
	Dir, Status                  string
	Duration                     time.Duration
	Pricing                      cost.TableRef
	Warnings                     []string
}

type htmlTarget struct {
	Name, Color string
	Label       string // the run's
	Info        rundir.TargetInfo
	Rows        []analyze.Row
	Checks      []analyze.CheckResult
	Cold        analyze.ColdStarts
	Forced      *analyze.ForcedSummary
	ColdEvents  []rundir.Event
	ColdMore    int
	Scaling     analyze.Scaling
	Cost        analyze.TargetCost
	Pricing     cost.TableRef
	Timing      *htmlTiming // nil without timing
}

// htmlTiming is a target's "where the time went": the breakdown over the
// run with a bar per row, what the connections did, and per phase.
type htmlTiming struct {
	Rows   []htmlTimingRow
	Conns  string
	Share  string
	Phases []analyze.Row // the run's phases, then the run
}

type htmlTimingRow struct {
	timingRow
	Bar string // the p50 as a share of the longest p50 of the table, percent
}

// scaleTimingBars sets the bars of a group's breakdowns, which share one
// table and so one scale: each row's p50 against the longest of them all.
func scaleTimingBars(members []htmlTarget) {
	var longest time.Duration
	for _, m := range members {
		if m.Timing != nil {
			for _, r := range m.Timing.Rows {
				if r.Stats != nil {
					longest = max(longest, r.Stats.P50)
				}
			}
		}
	}
	for _, m := range members {
		if m.Timing == nil {
			continue
		}
		for i := range m.Timing.Rows {
			r := &m.Timing.Rows[i]
			r.Bar = "0"
			if r.Stats != nil && longest > 0 {
				r.Bar = fmt.Sprintf("%.1f", 100*float64(r.Stats.P50)/float64(longest))
			}
		}
	}
}

type htmlChart struct {
	Name, Title, Caption string
	SVG                  template.HTML
	Table                *charts.Table
}

func newHTMLRun(r Run) htmlRun {
	run := r.Summary.Run
	var sc struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	_ = json.Unmarshal(run.Info.Scenario, &sc)
	hr := htmlRun{Label: r.Label, Scenario: sc.Name, Description: sc.Description, Info: &run.Info, Dir: run.Dir,
		Status: statusText(run), Pricing: r.Summary.Pricing, Warnings: r.Summary.Warnings}
	if !run.Info.EndTime.IsZero() {
		hr.Duration = run.Info.EndTime.Sub(run.Info.StartTime).Round(time.Millisecond)
	}
	return hr
}

func newHTMLTarget(s charts.Series, color string) htmlTarget {
	ts := s.Table()
	ht := htmlTarget{Name: s.Name, Color: color, Info: ts.Target, Rows: append(append([]analyze.Row(nil), ts.Phases...), ts.Total),
		Cold: ts.Cold, Forced: ts.Forced, Scaling: ts.Scaling, Cost: ts.Cost, Pricing: s.Summary.Pricing}
	if ts.Total.Timing != nil {
		ht.Timing = newHTMLTiming(ts)
	}
	for _, e := range s.Summary.Run.Events {
		if e.Type != rundir.EventColdStart || e.Target != ts.Target.Name {
			continue
		}
		if len(ht.ColdEvents) < coldEventsShown {
			ht.ColdEvents = append(ht.ColdEvents, e)
		} else {
			ht.ColdMore++
		}
	}
	return ht
}

func newHTMLTiming(ts *analyze.TargetSummary) *htmlTiming {
	t := &htmlTiming{Conns: connLine(ts.Total.Timing), Share: timingShare(&ts.Total),
		Phases: append(append([]analyze.Row(nil), ts.Phases...), ts.Total)}
	for _, r := range timingRows(&ts.Total) {
		t.Rows = append(t.Rows, htmlTimingRow{timingRow: r}) // bars: scaleTimingBars
	}
	return t
}

var svgHead = regexp.MustCompile(`(?s)^.*?<svg width="[^"]*" height="[^"]*"`)

// inlineSVG turns a rendered chart into an element of the page: no XML
// prolog, no fixed size (the page scales it to its column), a name for
// screen readers.
func inlineSVG(svg []byte, title string) template.HTML {
	head := fmt.Sprintf(`<svg class="chart" role="img" aria-label="%s"`, template.HTMLEscapeString(title))
	return template.HTML(svgHead.ReplaceAll(svg, []byte(head)))
}

var htmlFuncs = template.FuncMap{
	"lat":   units.Latency,
	"deref": func(b *bool) bool { return b != nil && *b },
	"ns":    func(n int64) string { return units.Latency(time.Duration(n)) },
	"ci":    ciText,
	"pct":   percent,
	"mark":  verdictMark[analyze.Verdict],
	"checksentence": func(r analyze.CheckResult) string {
		return checkSentence(&r)
	},
	"rate": func(row analyze.Row) string {
		return rate(row.AchievedRate, row.OfferedRate)
	},
	"errpct": errorText,
	"tp50": func(s *analyze.TimingStats) string {
		if s == nil {
			return "-"
		}
		return units.Latency(s.P50)
	},
	"tp99": func(s *analyze.TimingStats) string {
		if s == nil {
			return "-"
		}
		return units.Latency(s.P99)
	},
	"coldtext": coldText,
	"costtext": costText,
	"secs":     func(ns int64) string { return fmt.Sprintf("%.3gs", float64(ns)/1e9) },
	"dur":      func(d time.Duration) string { return d.String() },
	"when":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") },
	"usd":      func(d cost.Decimal) string { return "$" + d.Fixed(6) },
	"usd2":     func(d cost.Decimal) string { return "$" + d.Fixed(2) },
	"num":      func(f float64) string { return fmt.Sprintf("%g", f) },
	"evidence": func(m map[string]int64) string { return classes(nonZero(m)) },
	"classes":  classes,
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12] + "…"
		}
		return s
	},
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// nonZero drops the zero counts.
func nonZero(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}
