package report

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/units"
	"github.com/fnbench/fnbench/report/charts"
)

// Text writes the terminal summary of runs as `fnbench run` prints it
// after a run, without checks: Render's text format of the runs labelled
// by their directories' names.
func Text(w io.Writer, sums ...*analyze.Summary) error {
	runs := make([]Run, len(sums))
	for i, s := range sums {
		runs[i] = Run{Label: filepath.Base(s.Run.Dir), Summary: s}
	}
	return writeText(w, textReport(runs))
}

// textReport is the terminal summary: per target and phase, requests,
// achieved rate, latency percentiles of successful requests, outcome
// counts and the worst schedule lag, then each run's checks. Several runs
// set each target's rows side by side, a group of rows per run.
func textReport(runs []Run) string {
	var b strings.Builder
	multi := len(runs) > 1
	for _, r := range runs {
		info := &r.Summary.Run.Info
		name := r.Summary.Run.Dir
		if multi {
			name = r.Label + ": " + name
		}
		fmt.Fprintf(&b, "run %s  scenario %s  %s  seed %d  status %s\n",
			name, scenarioOf(r.Summary), info.StartTime.UTC().Format(time.RFC3339), info.Seed, statusText(r.Summary.Run))
		for _, warn := range r.Summary.Warnings {
			fmt.Fprintf(&b, "note: %s%s\n", runPrefix(multi, r), warn)
		}
	}
	series, groups := layout(runs)
	for _, g := range groups {
		fmt.Fprintf(&b, "\ntarget %s  (%s)\n", g.Name, endpoints(runs, series, g))
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := "phase\trequests\trate/s\tp50\tp90\tp99\tp99.9\tmax\twarm\tcold\terrors\tnot sent\tlag p99\tlag max\t"
		if multi {
			head = "run\t" + head
		}
		fmt.Fprintln(tw, head)
		for k, si := range g.Series {
			ts := series[si].Table()
			for _, row := range append(append([]analyze.Row(nil), ts.Phases...), ts.Total) {
				if multi {
					fmt.Fprintf(tw, "%s\t", runs[g.Runs[k]].Label)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n",
					row.Phase, row.Sent, rate(row.AchievedRate, row.OfferedRate),
					units.Latency(row.P50), units.Latency(row.P90), units.Latency(row.P99), units.Latency(row.P999), units.Latency(row.Max),
					row.Warm, row.Cold, row.Errors, row.NotSent, units.Latency(row.LagP99), units.Latency(row.LagMax))
			}
		}
		tw.Flush()
		for k, si := range g.Series {
			r, ts := runs[g.Runs[k]], series[si].Table()
			prefix := runPrefix(multi, r)
			fmt.Fprintln(&b, prefix+coldLine(ts.Total, r.Summary.Detect))
			if line := forcedLine(ts.Forced); line != "" {
				fmt.Fprintln(&b, prefix+line)
			}
			if cls := classes(ts.Total.Classes); cls != "" {
				fmt.Fprintf(&b, "%serrors by class: %s\n", prefix, cls)
			}
			for _, ev := range r.Summary.Run.Events {
				if ev.Type == rundir.EventErrorSample && ev.Target == ts.Target.Name {
					fmt.Fprintf(&b, "%sfirst %s at %s: %s\n", prefix, ev.Class, time.Duration(ev.AtNanos).Truncate(time.Millisecond), ev.Message)
					break
				}
			}
		}
		timingText(&b, runs, series, g, multi)
	}
	shardText(&b, runs)
	for _, r := range runs {
		if r.Checks != nil {
			b.WriteString("\n" + checkText(r.Label, r.Checks))
		}
	}
	return b.String()
}

// runPrefix names the run a line is about, when there are several.
func runPrefix(multi bool, r Run) string {
	if multi {
		return r.Label + ": "
	}
	return ""
}

// endpoints says what a target is: its method and URL, or each run's
// when they differ.
func endpoints(runs []Run, series []charts.Series, g targetGroup) string {
	var each []string
	for _, si := range g.Series {
		t := series[si].Table().Target
		e := t.Method + " " + t.URL
		if t.URL == "" { // invoked through the platform's API
			e = t.Kind + " " + t.Function
		}
		if t.Simulated {
			e += ", simulated"
		}
		each = append(each, e)
	}
	if len(unique(each)) == 1 {
		return each[0]
	}
	for k := range each {
		each[k] = runs[g.Runs[k]].Label + ": " + each[k]
	}
	return strings.Join(each, "; ")
}

// textTable lays out a left-aligned table for a terminal, without
// trailing blanks.
type textTable struct {
	out *strings.Builder
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTextTable(out *strings.Builder) *textTable {
	t := &textTable{out: out}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

func (t *textTable) row(cells ...string) { fmt.Fprintln(t.tw, strings.Join(cells, "\t")) }

func (t *textTable) flush() {
	t.tw.Flush()
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		if line != "" {
			t.out.WriteString(strings.TrimRight(line, " \n") + "\n")
		}
	}
	t.buf.Reset()
}

func statusText(r *analyze.Run) string {
	switch {
	case r.Killed:
		return "interrupted (the process was killed; results up to its last whole interval)"
	case r.Status == rundir.StatusComplete:
		return r.Status
	case r.Info.StatusReason != "":
		return r.Status + " (" + r.Info.StatusReason + ")"
	}
	return r.Status
}

// rate shows the achieved rate, and the offered one when they differ by
// more than 1%.
func rate(achieved, offered float64) string {
	if offered > 0 && (achieved < offered*0.99 || achieved > offered*1.01) {
		return fmt.Sprintf("%.1f of %.1f", achieved, offered)
	}
	return fmt.Sprintf("%.1f", achieved)
}

func classes(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// coldLine says how many cold starts were tagged, on what evidence, and how
// many execution environments answered; or why none could be tagged.
func coldLine(total analyze.Row, detect string) string {
	if detect == "none" {
		return "cold starts: not detected (cold_start.detect: none)"
	}
	if total.Cold == 0 && total.NewInstances == 0 {
		return "cold starts: none tagged; the responses carried no evidence (instrument the function with fnbench's markers, see the README's Sample functions)"
	}
	line := fmt.Sprintf("cold starts: %d", total.Cold)
	if ev := classes(total.ColdEvidence); ev != "" {
		line += " (evidence: " + ev + ")"
	}
	if total.NewInstances > 0 {
		line += fmt.Sprintf("; instances seen: %d, at most %d in one interval", total.NewInstances, total.Instances)
	}
	return line
}
