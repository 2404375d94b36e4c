package rundir

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// What the Writer writes, the readers read back: run.json, counters,
// events and both histogram logs, with the tags and times given.
func TestWriterRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.UnixMilli(1_700_000_000_000)
	if err := w.Begin(start, "round trip"); err != nil {
		t.Fatal(err)
	}
	h := NewHistogram()
	h.RecordValue(int64(12 * time.Millisecond))
	h.RecordValue(int64(40 * time.Millisecond))
	if err := w.Latency("a", OutcomeWarm, h, 0, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := w.Lag("a", h, 0, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := w.Interval(&IntervalCounts{Seq: 0, Target: "a", Offered: 2, Sent: 2, Completed: 2, Warm: 2, EndNanos: int64(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Event(&Event{Type: EventColdStart, Target: "a", Evidence: EvidenceMarker}); err != nil {
		t.Fatal(err)
	}
	info := &RunInfo{FormatVersion: FormatVersion, StartTime: start, Status: StatusComplete,
		Targets: []TargetInfo{{Name: "a"}}, Phases: []PhaseInfo{{Name: "p", EndNanos: int64(time.Second)}}}
	if err := w.Finish(info); err != nil {
		t.Fatal(err)
	}

	got, err := ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusComplete || len(got.Targets) != 1 || !got.StartTime.Equal(start) {
		t.Errorf("run.json read back as %+v", got)
	}
	for _, f := range []struct{ name, tag string }{{LatencyFile, "a/warm"}, {LagFile, "a"}} {
		var warn []string
		var dec HlogDecoder
		lines := 0
		err := EachLine(dir, f.name, &warn, func(_ int, line []byte) error {
			l, ok, err := dec.Line(line)
			if err != nil || !ok {
				return err
			}
			lines++
			if l.Tag != f.tag || l.Start != 0 || l.Len != 1 || l.Hist.Total != 2 {
				t.Errorf("%s: tag %q start %v len %v n %d", f.name, l.Tag, l.Start, l.Len, l.Hist.Total)
			}
			if q := l.Hist.Quantiles(100)[0]; q != time.Duration(h.Max()) {
				t.Errorf("%s: max %v, want %v", f.name, q, time.Duration(h.Max()))
			}
			return nil
		})
		if err != nil || lines != 1 || len(warn) != 0 {
			t.Errorf("%s: %d histograms, err %v, warnings %v", f.name, lines, err, warn)
		}
	}
	var c IntervalCounts
	var warn []string
	if err := EachLine(dir, IntervalsFile, &warn, func(_ int, line []byte) error { return json.Unmarshal(line, &c) }); err != nil || c.Warm != 2 {
		t.Errorf("intervals: %+v, %v", c, err)
	}
}

// A directory that holds a run is never written over.
func TestCreateRefusesARun(t *testing.T) {
	dir := t.TempDir()
	if err := WriteInfo(dir, &RunInfo{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(dir); err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Fatalf("Create over a run: %v", err)
	}
}

// A write failure is a *WriteError that names the directory once.
func TestWriteErrorNamesTheDirectoryOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Begin(time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	for _, f := range w.files {
		f.Close() // the next flush fails, as on a vanished disk
	}
	w.Event(&Event{Type: EventInterrupted, Message: strings.Repeat("x", bufferSize)})
	err = w.Flush()
	var we *WriteError
	if !errors.As(err, &we) {
		t.Fatalf("flush after close: %v, want a *WriteError", err)
	}
	if n := strings.Count(err.Error(), "writing run directory"); n != 1 {
		t.Errorf("%q names the directory %d times", err, n)
	}
}

// A last line without its newline was torn by a kill: skipped, with a
// warning that names the file and line.
func TestTornLastLineIsSkipped(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, EventsFile), []byte("{\"type\":\"a\"}\n{\"type\":"), 0o644); err != nil {
		t.Fatal(err)
	}
	var warn []string
	n := 0
	if err := EachLine(dir, EventsFile, &warn, func(int, []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(warn) != 1 || !strings.Contains(warn[0], EventsFile+":2") {
		t.Errorf("%d lines, warnings %q", n, warn)
	}
}

// INIT's share of a bill (docs/sources.md, "AWS Lambda pricing"): since
// 2025-08-01 Lambda bills ⌈Duration + Init Duration⌉, before it ⌈Duration⌉
// for a ZIP function on a managed runtime; SnapStart adds its billed
// restore instead.
func TestInitBilled(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, tc := range []struct {
		name                            string
		duration, billed, init, restore time.Duration
		want                            time.Duration
	}{
		{"warm", ms(1.2), ms(2), 0, 0, 0},
		{"init billed", ms(1.2), ms(45), ms(43.5), 0, ms(43)},
		{"init free (before 2025-08-01)", ms(1.2), ms(2), ms(43.5), 0, 0},
		{"snapstart", ms(5.5), ms(306), 0, ms(300), 0},
	} {
		if got := InitBilled(tc.duration, tc.billed, tc.init, tc.restore); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	var b Billing
	b.Add(&Invocation{Duration: ms(1.2), Billed: ms(45), Init: ms(43.5), MemoryMB: 512})
	b.Add(&Invocation{Duration: ms(1.2), Billed: ms(2), MemoryMB: 512})
	if share, exact := b.InitShareMs(); share != 43 || !exact || b.Reports != 2 || b.BilledMs != 47 {
		t.Errorf("billing %+v: INIT share %d (exact %v)", b, share, exact)
	}
	old := Billing{Reports: 1, BilledMs: 45, DurationNs: int64(ms(1.2)), Inits: 1, InitNs: int64(ms(43.5))}
	if share, exact := old.InitShareMs(); share != 43 || exact {
		t.Errorf("a run without init_billed_ms: share %d exact %v, want 43 from the Init Duration", share, exact)
	}
}
