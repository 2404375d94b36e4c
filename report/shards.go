package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/units"
)

// shardHead is the shard table's columns: per shard of a merged run, where
// it ran, how it ended, what it sent at what rate, how far behind its
// schedule it fell, and how its start missed the agreed instant.
var shardHead = []string{"shard", "host", "status", "sent", "rate/s", "lag p99", "lag max", "start error", "skew", "note"}

// shardRows is the shard table of a merged run, one row per shard in
// index order; nil for other runs.
func shardRows(mi *analyze.MergeInfo) [][]string {
	if mi == nil {
		return nil
	}
	count := len(mi.Shards)
	rows := make([][]string, count)
	for i, s := range mi.Shards {
		startErr, skew := "-", "-"
		if s.Clock != nil {
			startErr, skew = duration(s.Clock.StartErrorNs), duration(s.SkewNs)
		}
		var note []string
		if s.Partial {
			note = append(note, "PARTIAL")
		}
		if s.Behind != "" {
			note = append(note, "BEHIND: "+s.Behind)
		}
		rows[i] = []string{fmt.Sprintf("%d/%d", s.Index+1, count), s.Host.Hostname, s.Status, fmt.Sprint(s.Sent),
			rate(s.AchievedRate, s.OfferedRate), units.Latency(time.Duration(s.LagP99Ns)), units.Latency(time.Duration(s.LagMaxNs)),
			startErr, skew, strings.Join(note, "; ")}
	}
	return rows
}

// duration is a shard's start error or skew: "0" when on time.
func duration(ns int64) string {
	if ns == 0 {
		return "0"
	}
	return units.Latency(time.Duration(ns))
}

// SkewLine says the merged run's largest start skew and what it rests on;
// "" when the shards did not start on an agreed instant.
func SkewLine(mi *analyze.MergeInfo) string {
	if mi == nil || mi.SkewBasis == "" {
		return ""
	}
	basis := map[string]string{
		rundir.ClockSameHost:  "one machine's clock",
		rundir.ClockNTP:       "NTP-disciplined clocks, offsets corrected and the worst error bound added",
		analyze.SkewOwnClocks: "each shard's own clock, not known to be synchronized: the true skew may be larger",
	}[mi.SkewBasis]
	return fmt.Sprintf("Largest start skew between shards: %s (%s)", duration(mi.MaxSkewNs), basis)
}

// shardText writes the shard table of each merged run, for the terminal.
func shardText(b *strings.Builder, runs []Run) {
	for _, r := range runs {
		rows := shardRows(r.Summary.Run.Merge)
		if rows == nil {
			continue
		}
		fmt.Fprintf(b, "\n%sshards (merged from %d)\n", runPrefix(len(runs) > 1, r), len(rows))
		t := newTextTable(b)
		t.row(shardHead...)
		for _, row := range rows {
			t.row(row...)
		}
		t.flush()
		if line := SkewLine(r.Summary.Run.Merge); line != "" {
			b.WriteString(line + "\n")
		}
	}
}

// shardMarkdown writes the shard table of each merged run.
func shardMarkdown(b *strings.Builder, runs []Run) {
	for _, r := range runs {
		rows := shardRows(r.Summary.Run.Merge)
		if rows == nil {
			continue
		}
		of := ""
		if len(runs) > 1 {
			of = " of " + mdEscape(r.Label)
		}
		fmt.Fprintf(b, "\n**Shards%s** (merged from %d)\n\n", of, len(rows))
		b.WriteString("| " + strings.Join(shardHead, " | ") + " |\n")
		b.WriteString("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
		for _, row := range rows {
			for i := range row {
				row[i] = mdEscape(row[i])
			}
			b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		}
		if line := SkewLine(r.Summary.Run.Merge); line != "" {
			b.WriteString("\n" + mdEscape(line) + ".\n")
		}
	}
}
