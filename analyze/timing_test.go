package analyze

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/internal/rundir"
)

// timedFixture is a synthetic run with timing.hlog and connection
// counters (report/timing_test.go writes it with internal/synthrun).
const timedFixture = "../report/testdata/run-timing"

// A run with timing.hlog loads its breakdown per phase and per interval,
// and the summary agrees with the counters: a TTFB per request, a dial's
// phases per connection opened, the connection counts summed.
func TestLoadTiming(t *testing.T) {
	r, err := Load(timedFixture)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) > 0 {
		t.Errorf("warnings %v", r.Warnings)
	}
	s := Summarize(r)
	for i, tr := range r.Targets {
		if !tr.HasTiming() {
			t.Fatalf("%s: no timing", tr.Info.Name)
		}
		total := s.Tables[i].Total
		tm := total.Timing
		if tm == nil || tm.Conns == nil || tm.TTFB == nil || tm.TLS == nil || tm.Phase != "all" {
			t.Fatalf("%s: timing %+v", tr.Info.Name, tm)
		}
		c := tm.Conns
		if tm.TTFB.Count != total.Sent || tm.Transfer.Count != total.Sent {
			t.Errorf("%s: %d TTFBs and %d transfers for %d requests", tr.Info.Name, tm.TTFB.Count, tm.Transfer.Count, total.Sent)
		}
		for _, st := range []*TimingStats{tm.DNS, tm.Connect, tm.TLS} {
			if st.Count != c.Prewarmed+c.Opened {
				t.Errorf("%s: %d dial phases for %d connections", tr.Info.Name, st.Count, c.Prewarmed+c.Opened)
			}
		}
		if c.Fresh+c.Reused != total.Sent || c.FreshRate+c.ReusedRate != 1 || c.MeanDial <= 0 {
			t.Errorf("%s: connections %+v for %d requests", tr.Info.Name, c, total.Sent)
		}
		// Per interval: the points add up to the phases.
		var ttfb, dials int64
		for _, iv := range tr.Intervals {
			if iv.Timing != nil {
				ttfb += iv.Timing[rundir.IndexTTFB].Count
				dials += iv.Timing[rundir.IndexTLS].Count
				if p := iv.Timing[rundir.IndexTTFB]; p.Count > 0 && !(p.P50 <= p.P99 && p.P99 <= p.Max) {
					t.Errorf("%s interval %d: TTFB %+v", tr.Info.Name, iv.Seq, p)
				}
			}
		}
		if ttfb != tm.TTFB.Count || dials != tm.TLS.Count {
			t.Errorf("%s: intervals hold %d TTFBs and %d handshakes of %d and %d", tr.Info.Name, ttfb, dials, tm.TTFB.Count, tm.TLS.Count)
		}
		var phases int64
		for _, row := range s.Tables[i].Phases {
			if row.Timing == nil || row.Timing.Phase != row.Phase {
				t.Fatalf("%s %s: timing %+v", tr.Info.Name, row.Phase, row.Timing)
			}
			if row.Timing.TTFB != nil {
				phases += row.Timing.TTFB.Count
			}
		}
		if phases != tm.TTFB.Count {
			t.Errorf("%s: phases hold %d TTFBs of %d", tr.Info.Name, phases, tm.TTFB.Count)
		}
	}
	tj := NewSummaryJSON(s).Runs[0].Targets[0]
	if tj.Timing == nil || len(tj.Timing.Phases) != len(r.Info.Phases) || tj.Timing.Total != s.Tables[0].Total.Timing {
		t.Errorf("JSON timing %+v", tj.Timing)
	}
}

// A run from before timing.hlog loads as it did: no warning about the
// missing file, no timing, "timing": null in the JSON summary.
func TestLoadRunWithoutTiming(t *testing.T) {
	r, err := Load("../report/testdata/run-local-ramp")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) > 0 {
		t.Errorf("warnings %v", r.Warnings)
	}
	s := Summarize(r)
	if r.Targets[0].HasTiming() || s.Tables[0].Total.Timing != nil || s.Tables[0].Phases[0].Timing != nil {
		t.Error("a run without timing.hlog has timing")
	}
	for _, iv := range r.Targets[0].Intervals {
		if iv.Timing != nil {
			t.Fatalf("interval %d has timing", iv.Seq)
		}
	}
	b, err := json.Marshal(NewSummaryJSON(s))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"timing":null`) {
		t.Error(`the JSON summary lacks "timing": null`)
	}
}

// A timing.hlog torn by a kill loads up to its last whole line, and says
// so, as latency.hlog does.
func TestTornTimingLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dir, os.DirFS(timedFixture)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, rundir.TimingFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)-20], 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "timing.hlog:") || !strings.Contains(r.Warnings[0], "torn last line") {
		t.Errorf("warnings %q, want one about timing.hlog's torn last line", r.Warnings)
	}
	if !r.Targets[0].HasTiming() {
		t.Error("the torn log's whole lines were not read")
	}
}

// Merging the shards of a timed run keeps every interval's timing and
// connection counters, not only the totals the summary shows.
func TestMergeKeepsTiming(t *testing.T) {
	tmp := t.TempDir()
	shards := [2]string{filepath.Join(tmp, "a"), filepath.Join(tmp, "b")}
	splitRun(t, timedFixture, shards, 7)
	out := filepath.Join(tmp, "merged")
	if _, warnings, err := Merge(out, shards[:]); err != nil || len(warnings) > 0 {
		t.Fatalf("merge: %v, warnings %v", err, warnings)
	}
	whole, err := Load(timedFixture)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range whole.Targets {
		mt := merged.Targets[i]
		if len(mt.Intervals) != len(tr.Intervals) {
			t.Fatalf("%s: %d intervals merged of %d", tr.Info.Name, len(mt.Intervals), len(tr.Intervals))
		}
		for k := range tr.Intervals {
			a, b := &tr.Intervals[k], &mt.Intervals[k]
			if !reflect.DeepEqual(a.Timing, b.Timing) || !reflect.DeepEqual(a.Conns, b.Conns) {
				t.Fatalf("%s interval %d: timing %+v conns %+v merged to %+v and %+v", tr.Info.Name, k, a.Timing, a.Conns, b.Timing, b.Conns)
			}
		}
		for p := range tr.Phases {
			for _, ph := range rundir.TimingPhases {
				if !reflect.DeepEqual(tr.Phases[p].Timing(ph).Export(), mt.Phases[p].Timing(ph).Export()) {
					t.Errorf("%s phase %d: %s histograms differ", tr.Info.Name, p, ph)
				}
			}
		}
	}
}
