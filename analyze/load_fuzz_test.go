package analyze

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// timingLog makes a fuzzed latency log a timing log, so that one input
// reaches every log's reader: outcome tags become timing phases.
var timingLog = strings.NewReplacer("/warm", "/ttfb", "/cold", "/tls", "/error", "/transfer")

// FuzzLoad: a run directory with arbitrary counters, logs and events loads
// or fails with an error, never a panic. timing.hlog is the latency log
// with timing phases for outcomes.
func FuzzLoad(f *testing.F) {
	runJSON := `{"format_version":1,"targets":[{"name":"a"}],"phases":[{"index":0,"name":"p","start_ns":0,"end_ns":1000000000}],"status":"running"}`
	h := rundir.NewHistogram()
	h.RecordValue(2000000)
	enc, _ := h.Encode(2)
	f.Add(runJSON, `{"seq":0,"phase":0,"start_ns":0,"end_ns":1000000000,"target":"a","offered":1,"sent":1,"warm":1}`+"\n",
		"#[BaseTime: 0 (seconds since epoch)]\nTag=a/warm,0.000000,1.000000,2.000000,"+string(enc)+"\n", `{"type":"error_sample"}`+"\n")
	f.Add(runJSON, `{"seq":0,"phase":0,"start_ns":0,"end_ns":1000000000,"target":"a","offered":2,"sent":2,"warm":2,"conns":{"prewarmed":1,"opened":1,"dial_ns":5,"fresh":2,"waited_for_conn":1}}`+"\n",
		"Tag=a/warm,0.000000,1.000000,2.000000,"+string(enc)+"\nTag=a/cold,0.000000,1.000000,2.000000,"+string(enc)+"\nTag=a/warm,0.000000,1.000000,2.000000,"+string(enc)+"\nTag=a/warm,5.000000,1.000000,2.000000,"+string(enc)+"\n", "")
	f.Add(runJSON, `{"phase":7,"target":"a"}`+"\n", "Tag=a/cold,1,1,1,x\n", "{\n")
	f.Add(`{"format_version":1,"targets":[],"phases":[]}`, "", "", "")
	f.Fuzz(func(t *testing.T, run, intervals, hlog, events string) {
		dir := t.TempDir()
		for name, body := range map[string]string{
			rundir.RunFile: run, rundir.IntervalsFile: intervals, rundir.LatencyFile: hlog,
			rundir.LagFile: hlog, rundir.TimingFile: timingLog.Replace(hlog), rundir.EventsFile: events,
		} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			r, err := Load(dir)
			if err == nil {
				Summarize(r)
			}
		}()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Fatalf("Load hangs on run.json %q intervals %q hlog %q events %q", run, intervals, hlog, events)
		}
	})
}

// FuzzMerge: shards with arbitrary counters, logs and events merge or fail
// with an error, never a panic or a hang. timing.hlog is the latency log
// with timing phases for outcomes.
func FuzzMerge(f *testing.F) {
	runJSON := func(i int) string {
		return `{"format_version":1,"scenario_file":{"sha256":"x"},"targets":[{"name":"a"}],"phases":[{"index":0,"name":"p","start_ns":0,"end_ns":1000000000}],"status":"complete","shard":{"index":` + string(rune('0'+i)) + `,"count":2}}`
	}
	h := rundir.NewHistogram()
	h.RecordValue(2000000)
	enc, _ := h.Encode(2)
	f.Add(`{"seq":0,"phase":0,"start_ns":0,"end_ns":1000000000,"target":"a","offered":1,"sent":1,"warm":1}`+"\n",
		"Tag=a/warm,0.000000,1.000000,2.000000,"+string(enc)+"\n", `{"type":"instance","target":"a","instance":"i","first_ns":5}`+"\n")
	f.Add(`{"target":"b"}`+"\n", "Tag=a/cold,x,1,1,x\n", "{\n")
	f.Fuzz(func(t *testing.T, intervals, hlog, events string) {
		var dirs []string
		for i := range 2 {
			dir := filepath.Join(t.TempDir(), "shard")
			os.MkdirAll(dir, 0o755)
			for name, body := range map[string]string{
				rundir.RunFile: runJSON(i), rundir.IntervalsFile: intervals, rundir.LatencyFile: hlog,
				rundir.LagFile: hlog, rundir.TimingFile: timingLog.Replace(hlog), rundir.EventsFile: events,
			} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			dirs = append(dirs, dir)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			out := filepath.Join(t.TempDir(), "merged")
			if _, _, err := Merge(out, dirs); err == nil {
				if r, err := Load(out); err == nil {
					Summarize(r)
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Merge hangs on intervals %q hlog %q events %q", intervals, hlog, events)
		}
	})
}
