package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/units"
)

// Text writes the terminal summary of one or more runs: per target and
// phase, requests, achieved rate, latency percentiles of successful
// requests, outcome counts and the worst schedule lag.
func Text(w io.Writer, sums ...*analyze.Summary) error {
	for i, s := range sums {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := text(w, s); err != nil {
			return err
		}
	}
	return nil
}

func text(w io.Writer, s *analyze.Summary) error {
	r := s.Run
	info := &r.Info
	var scen struct {
		Name      string `json:"name"`
		ColdStart struct {
			Detect string `json:"detect"`
		} `json:"cold_start"`
	}
	_ = json.Unmarshal(info.Scenario, &scen)
	fmt.Fprintf(w, "run %s  scenario %s  %s  seed %d  status %s\n",
		r.Dir, scen.Name, info.StartTime.UTC().Format(time.RFC3339), info.Seed, statusText(r))
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "note: %s\n", warn)
	}
	for _, ts := range s.Tables {
		t := ts.Target
		fmt.Fprintf(w, "\ntarget %s  (%s %s", t.Name, t.Method, t.URL)
		if t.Simulated {
			fmt.Fprint(w, ", simulated")
		}
		fmt.Fprintln(w, ")")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "phase\trequests\trate/s\tp50\tp90\tp99\tp99.9\tmax\twarm\tcold\terrors\tnot sent\tlag p99\tlag max\t")
		rows := append(append([]analyze.Row(nil), ts.Phases...), ts.Total)
		for _, row := range rows {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n",
				row.Phase, row.Sent, rate(row.AchievedRate, row.OfferedRate),
				units.Latency(row.P50), units.Latency(row.P90), units.Latency(row.P99), units.Latency(row.P999), units.Latency(row.Max),
				row.Warm, row.Cold, row.Errors, row.NotSent, units.Latency(row.LagP99), units.Latency(row.LagMax))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w, coldLine(ts.Total, scen.ColdStart.Detect))
		if cls := classes(ts.Total.Classes); cls != "" {
			fmt.Fprintf(w, "errors by class: %s\n", cls)
		}
		for _, ev := range r.Events {
			if ev.Type == rundir.EventErrorSample && ev.Target == t.Name {
				fmt.Fprintf(w, "first %s at %s: %s\n", ev.Class, time.Duration(ev.AtNanos).Truncate(time.Millisecond), ev.Message)
				break
			}
		}
	}
	return nil
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
	if detect == "" {
		detect = "auto"
	}
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
