package report

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/units"
	"github.com/fnbench/fnbench/report/charts"
)

// This file lays out "where the time went": a target's timing breakdown
// (timing.hlog and the connection counters) over the whole run, as every
// format shows it. The per-connection phases (DNS, connect, TLS) are the
// client's set-up; TTFB is the target's answer; schedule lag holds the
// client's waits for a connection; the latency row is what they add up to,
// so that a reader sees which part a slow run spent its time in.

// timingRow is one line of the breakdown.
type timingRow struct {
	Name, Per string
	Stats     *analyze.TimingStats // nil: none recorded
	Reference bool                 // a row to compare with (lag, latency), not a timing phase
}

// timingRows is the breakdown of a span: the timing phases, then schedule
// lag and the latency of successful requests for reference.
func timingRows(row *analyze.Row) []timingRow {
	t := row.Timing
	rows := []timingRow{
		{Name: "dns", Per: "connection", Stats: t.DNS},
		{Name: "connect", Per: "connection", Stats: t.Connect},
		{Name: "tls", Per: "connection", Stats: t.TLS},
		{Name: "schedule lag", Per: "request", Reference: true},
		{Name: "ttfb", Per: "request", Stats: t.TTFB},
		{Name: "transfer", Per: "request", Stats: t.Transfer},
		{Name: "latency", Per: "ok request", Reference: true},
	}
	if l := row.Lag; l.Count > 0 {
		rows[3].Stats = &analyze.TimingStats{Count: l.Count, Mean: l.Mean, P50: l.P50, P90: l.P90, P99: l.P99, Max: l.Max}
	}
	if l := row.Latency.OK; l != nil {
		rows[6].Stats = &analyze.TimingStats{Count: l.Count, Mean: l.Mean, P50: l.P50.Value, P90: l.P90.Value, P99: l.P99.Value, Max: l.Max}
	}
	return rows
}

// cells are a row's count and percentiles as a table shows them.
func (r timingRow) cells() []string {
	s := r.Stats
	if s == nil {
		return []string{"0", "-", "-", "-", "-"}
	}
	return []string{fmt.Sprint(s.Count), units.Latency(s.P50), units.Latency(s.P90), units.Latency(s.P99), units.Latency(s.Max)}
}

// connLine says what a span's connections did, in one sentence; "" when
// they were not counted.
func connLine(t *analyze.Timing) string {
	c := t.Conns
	if c == nil {
		return ""
	}
	var parts []string
	if c.Prewarmed > 0 {
		parts = append(parts, fmt.Sprintf("%d prewarmed", c.Prewarmed))
	}
	opened := fmt.Sprintf("%d opened during the run", c.Opened)
	if c.MeanDial > 0 {
		opened += ", mean dial " + units.Latency(c.MeanDial)
	}
	parts = append(parts, opened)
	if c.DialErrors > 0 {
		parts = append(parts, fmt.Sprintf("%d dials failed", c.DialErrors))
	}
	parts = append(parts, fmt.Sprintf("%d closed", c.Closed))
	line := strings.Join(parts, ", ")
	if c.Fresh+c.Reused > 0 {
		line += fmt.Sprintf("; requests on a new connection %s, on a reused one %s", percent(c.FreshRate), percent(c.ReusedRate))
	}
	line += fmt.Sprintf("; waited for a connection: %d (%s of those sent)", c.WaitedForConn, percent(c.WaitedRate))
	return line
}

// timingShare says what share of the median successful request's latency
// was the target's time to first byte, the plainest sign of whose time it
// was; "" without both.
func timingShare(row *analyze.Row) string {
	t, l := row.Timing, row.Latency.OK
	if t == nil || t.TTFB == nil || l == nil || l.P50.Value <= 0 {
		return ""
	}
	return fmt.Sprintf("ttfb p50 is %.0f%% of the latency p50 (%s of %s)",
		100*float64(t.TTFB.P50)/float64(l.P50.Value), units.Latency(t.TTFB.P50), units.Latency(l.P50.Value))
}

// anyTiming reports whether any of the series was timed.
func anyTiming(tables []*analyze.TargetSummary) bool {
	for _, ts := range tables {
		if ts.Total.Timing != nil {
			return true
		}
	}
	return false
}

// timedMembers are the members of a target group whose timing was
// recorded (indices into g.Series).
func timedMembers(series []charts.Series, g targetGroup) []int {
	var out []int
	for k, si := range g.Series {
		if series[si].Table().Total.Timing != nil {
			out = append(out, k)
		}
	}
	return out
}

// timingText writes a target's breakdown for the terminal, under its
// table; nothing for runs without timing.
func timingText(b *strings.Builder, runs []Run, series []charts.Series, g targetGroup, multi bool) {
	members := timedMembers(series, g)
	if len(members) == 0 {
		return
	}
	b.WriteString("where the time went, over the run:\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "timing\tper\tcount\tp50\tp90\tp99\tmax\t"
	if multi {
		head = "run\t" + head
	}
	fmt.Fprintln(tw, head)
	for _, k := range members {
		total := &series[g.Series[k]].Table().Total
		for _, row := range timingRows(total) {
			if multi {
				fmt.Fprintf(tw, "%s\t", runs[g.Runs[k]].Label)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", row.Name, row.Per, strings.Join(row.cells(), "\t"))
		}
	}
	tw.Flush()
	for _, k := range members {
		total := &series[g.Series[k]].Table().Total
		prefix := runPrefix(multi, runs[g.Runs[k]])
		if line := connLine(total.Timing); line != "" {
			fmt.Fprintf(b, "%sconnections: %s\n", prefix, line)
		}
		if share := timingShare(total); share != "" {
			fmt.Fprintf(b, "%s%s\n", prefix, share)
		}
	}
}

// timingMarkdown writes the breakdown folded away, a row per target (and
// run): the median of each connection phase, the target's time to first
// byte, what the connections did. Nothing for runs without timing.
func timingMarkdown(b *strings.Builder, series []charts.Series, groups []targetGroup,
	name func(targetGroup, int) string, head func(cols, align string)) {
	timed := false
	for _, g := range groups {
		timed = timed || len(timedMembers(series, g)) > 0
	}
	if !timed {
		return
	}
	b.WriteString("<details><summary>Where the time went</summary>\n\n")
	head("dns p50 | connect p50 | tls p50 | ttfb p50 | ttfb p99 | transfer p99 | lag p99 | connections opened | on a new connection | waited for one",
		"---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---:")
	p50 := func(s *analyze.TimingStats) string {
		if s == nil {
			return "-"
		}
		return units.Latency(s.P50)
	}
	p99 := func(s *analyze.TimingStats) string {
		if s == nil {
			return "-"
		}
		return units.Latency(s.P99)
	}
	for _, g := range groups {
		for _, k := range timedMembers(series, g) {
			total := &series[g.Series[k]].Table().Total
			t := total.Timing
			opened, fresh, waited := "-", "-", "-"
			if c := t.Conns; c != nil {
				opened = fmt.Sprint(c.Prewarmed + c.Opened)
				if c.Prewarmed > 0 {
					opened = fmt.Sprintf("%d (%d before the start)", c.Prewarmed+c.Opened, c.Prewarmed)
				}
				fresh, waited = percent(c.FreshRate), fmt.Sprint(c.WaitedForConn)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name(g, k),
				p50(t.DNS), p50(t.Connect), p50(t.TLS), p50(t.TTFB), p99(t.TTFB), p99(t.Transfer), units.Latency(total.Lag.P99),
				opened, fresh, waited)
		}
	}
	b.WriteString("\nDNS, connect and TLS are per connection; TTFB (request written → first byte) and transfer per request. " +
		"A high TTFB is the target's time; a slow TLS handshake costs the requests on new connections; " +
		"requests that waited for a connection were sent late, and their wait is schedule lag.\n\n</details>\n\n")
}
