package report

import (
	"fmt"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/units"
)

// forcedLine says in one sentence what a target's forced cold starts
// gave: the samples wanted and got, the cold latency, init and penalty,
// and whether the configuration was put back. "" without forced samples.
func forcedLine(fs *analyze.ForcedSummary) string {
	if fs == nil {
		return ""
	}
	s := fmt.Sprintf("forced cold starts: %d of %d wanted, in %d attempts (%d warm, %d failed)", fs.Cold, fs.Wanted, fs.Attempts, fs.Warm, fs.Errors)
	if l := fs.Latency; l != nil {
		s += fmt.Sprintf("; cold p50 %s, max %s", units.Latency(l.P50.Value), units.Latency(l.Max))
	}
	if in := fs.InitDuration; in != nil {
		s += fmt.Sprintf("; init p50 %s, max %s", units.Latency(in.P50), units.Latency(in.Max))
	}
	if p := fs.Penalty; p != nil {
		s += fmt.Sprintf("; penalty %s over the traffic's warm p50", units.Latency(p.Value))
	}
	switch {
	case fs.Restored == nil:
	case *fs.Restored:
		s += "; configuration restored"
	default:
		s += "; configuration NOT restored: run fnbench restore on this run directory"
	}
	if fs.Error != "" {
		s += "; stopped early: " + fs.Error
	}
	return s + " (apart from the traffic: in no rate, chart, headline figure or cost)"
}
