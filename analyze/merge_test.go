package analyze

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/rundir"
)

// splitRun writes the run at src as two shards: every histogram split
// bucket by bucket at random, every counter split in two, the cold starts
// dealt out alternately, and the instances reported by both shards (the
// shards of one run hit the same execution environments).
func splitRun(t *testing.T, src string, out [2]string, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	info, err := rundir.ReadInfo(src)
	if err != nil {
		t.Fatal(err)
	}
	var w [2]*rundir.Writer
	for i := range w {
		start := info.StartTime.Add(time.Duration(i) * 7 * time.Millisecond) // machines start apart
		if w[i], err = rundir.Create(out[i]); err != nil {
			t.Fatal(err)
		}
		if err := w[i].Begin(start, ""); err != nil {
			t.Fatal(err)
		}
	}
	var warn []string
	for _, name := range []string{rundir.LatencyFile, rundir.LagFile, rundir.TimingFile} {
		lr, err := rundir.OpenLines(src, name, &warn)
		if err != nil {
			t.Fatal(err)
		}
		if lr == nil { // a run before timing.hlog: so are its shards
			for i := range w {
				os.Remove(filepath.Join(out[i], name))
			}
			continue
		}
		var dec rundir.HlogDecoder
		for {
			line, ok, err := lr.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			l, ok, err := dec.Line(line)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				continue
			}
			var part [2]*rundir.Sparse
			for i := range part {
				part[i] = &rundir.Sparse{Geo: l.Hist.Geo}
			}
			for k, idx := range l.Hist.Idx {
				c := l.Hist.Cnt[k]
				a := rng.Int64N(c + 1)
				for i, n := range [2]int64{a, c - a} {
					if n > 0 {
						part[i].Idx, part[i].Cnt, part[i].Total = append(part[i].Idx, idx), append(part[i].Cnt, n), part[i].Total+n
					}
				}
			}
			start := time.Duration(l.Start*1e3+0.5) * time.Millisecond
			end := start + time.Duration(l.Len*1e3+0.5)*time.Millisecond
			for i, p := range part {
				if p.Total == 0 {
					continue
				}
				target, kind, _ := strings.Cut(l.Tag, "/")
				switch name {
				case rundir.LagFile:
					err = w[i].Lag(l.Tag, packed(p), start, end)
				case rundir.TimingFile:
					err = w[i].Timing(target, kind, packed(p), start, end)
				default:
					err = w[i].Latency(target, kind, packed(p), start, end)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		lr.Close()
	}
	eachJSONLine(t, src, rundir.IntervalsFile, func(line []byte) {
		var whole map[string]any
		if err := json.Unmarshal(line, &whole); err != nil {
			t.Fatal(err)
		}
		halves := splitCounts(whole)
		for i := range w {
			b, _ := json.Marshal(halves[i])
			var c rundir.IntervalCounts
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			if err := w[i].Interval(&c); err != nil {
				t.Fatal(err)
			}
		}
	})
	cold := 0
	eachJSONLine(t, src, rundir.EventsFile, func(line []byte) {
		var e rundir.Event
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatal(err)
		}
		switch e.Type {
		case rundir.EventInstance:
			for i := range w {
				w[i].Event(&e)
			}
		default:
			w[cold%2].Event(&e)
			cold++
		}
	})
	for i := range w {
		shard := *info
		shard.Shard = rundir.ShardInfo{Index: i, Count: 2}
		shard.StartTime = info.StartTime.Add(time.Duration(i) * 7 * time.Millisecond)
		shard.ExpectedPerTgt = info.ExpectedPerTgt/2 + int64(i)*(info.ExpectedPerTgt%2)
		if err := w[i].Finish(&shard); err != nil {
			t.Fatal(err)
		}
	}
}

// splitCounts splits every counter of an intervals.jsonl line in two
// (identity fields and maxima are copied).
func splitCounts(v map[string]any) [2]map[string]any {
	var out [2]map[string]any
	for i := range out {
		out[i] = map[string]any{}
	}
	for k, x := range v {
		switch x := x.(type) {
		case float64:
			switch k {
			case "seq", "phase", "start_ns", "end_ns", "lag_p50_ns", "lag_p99_ns", "lag_max_ns", "memory_mb", "max_memory_used_mb":
				out[0][k], out[1][k] = x, x
			default:
				out[0][k], out[1][k] = float64(int64(x)/2), x-float64(int64(x)/2)
			}
		case map[string]any:
			h := splitCounts(x)
			out[0][k], out[1][k] = h[0], h[1]
		default:
			out[0][k], out[1][k] = x, x
		}
	}
	return out
}

func eachJSONLine(t *testing.T, dir, name string, fn func([]byte)) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			fn(line)
		}
	}
}

// Merging the shards of a run gives back the run: per target, every count,
// every percentile and confidence interval, the cold-start, scaling and
// cost analyses, the timing breakdown and the timeline are exactly those
// of the whole run, because HDR histograms merge losslessly. Shards of a
// run before timing.hlog merge without a warning.
func TestMergedShardsEqualOneRun(t *testing.T) {
	for _, c := range []struct {
		src   string
		seeds uint64
	}{{simFixture, 2}, {"../report/testdata/run-local-ramp", 1}, {timedFixture, 2}} {
		src := c.src
		for seed := range c.seeds {
			tmp := t.TempDir()
			shards := [2]string{filepath.Join(tmp, "a"), filepath.Join(tmp, "b")}
			splitRun(t, src, shards, seed)
			out := filepath.Join(tmp, "merged")
			// Shards may be given in any order.
			info, warnings, err := Merge(out, []string{shards[1], shards[0]})
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 || info.Shard.Count != 1 {
				t.Errorf("warnings %v, shard %+v", warnings, info.Shard)
			}
			whole := summaryTargetsJSON(t, src)
			merged := summaryTargetsJSON(t, out)
			if whole != merged {
				t.Fatalf("%s split with seed %d and merged differs from the whole run:\n%s", src, seed, firstDiff(whole, merged))
			}
			if _, err := os.Stat(filepath.Join(out, MergeFile)); err != nil {
				t.Error(err)
			}
		}
	}
}

func summaryTargetsJSON(t *testing.T, dir string) string {
	t.Helper()
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(NewSummaryJSON(Summarize(r)).Runs[0].Targets, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			lo := max(0, i-6)
			return "line " + itoa(i+1) + ":\n--- whole\n" + strings.Join(al[lo:min(len(al), i+3)], "\n") + "\n--- merged\n" + strings.Join(bl[lo:min(len(bl), i+3)], "\n")
		}
	}
	return "lengths differ"
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// Runs that are not the shards of one run are refused, saying why.
func TestMergeRejectsIncompatibleRuns(t *testing.T) {
	tmp := t.TempDir()
	shards := [2]string{filepath.Join(tmp, "a"), filepath.Join(tmp, "b")}
	splitRun(t, "testdata/run-sim", shards, 1)
	edit := func(t *testing.T, change func(*rundir.RunInfo)) string {
		dir := filepath.Join(t.TempDir(), "edited")
		if err := os.CopyFS(dir, os.DirFS(shards[1])); err != nil {
			t.Fatal(err)
		}
		info, err := rundir.ReadInfo(dir)
		if err != nil {
			t.Fatal(err)
		}
		change(info)
		if err := rundir.WriteInfo(dir, info); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, c := range []struct {
		name   string
		dirs   func(t *testing.T) []string
		reason string
	}{
		{"one run", func(*testing.T) []string { return []string{shards[0]} }, "two or more shards"},
		{"the same shard twice", func(*testing.T) []string { return []string{shards[0], shards[0]} }, "are both shard 1 of 2"},
		{"another scenario", func(t *testing.T) []string {
			return []string{shards[0], edit(t, func(i *rundir.RunInfo) { i.ScenarioFile.SHA256 = strings.Repeat("f", 64) })}
		}, "their scenario files (SHA-256) differ"},
		{"another interval", func(t *testing.T) []string {
			return []string{shards[0], edit(t, func(i *rundir.RunInfo) { i.IntervalNanos = int64(time.Second) })}
		}, "their intervals differ (500ms vs 1s)"},
		{"other phases", func(t *testing.T) []string {
			return []string{shards[0], edit(t, func(i *rundir.RunInfo) { i.Phases[1].EndNanos += int64(time.Second) })}
		}, "phase 2 differ"},
		{"other targets", func(t *testing.T) []string {
			return []string{shards[0], edit(t, func(i *rundir.RunInfo) { i.Targets[2].Name = "flex" })}
		}, "target 3 differ (azure"},
		{"a missing shard", func(t *testing.T) []string {
			return []string{shards[0], edit(t, func(i *rundir.RunInfo) { i.Shard = rundir.ShardInfo{Index: 1, Count: 3} })}
		}, "shard counts differ"},
		{"whole runs", func(t *testing.T) []string {
			whole := func(i *rundir.RunInfo) { i.Shard = rundir.ShardInfo{Index: 0, Count: 1} }
			return []string{edit(t, whole), edit(t, whole)}
		}, "is a whole run (shard 1 of 1), not a shard"},
		{"not a run", func(t *testing.T) []string { return []string{shards[0], t.TempDir()} }, "is not a run directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "merged")
			_, _, err := Merge(out, c.dirs(t))
			if err == nil || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("error %v, want one saying %q", err, c.reason)
			}
			if _, serr := os.Stat(filepath.Join(out, rundir.RunFile)); serr == nil {
				t.Error("a refused merge left a run.json")
			}
		})
	}
	// Every shard of three but one: the missing one is named.
	three := func(i int) func(*rundir.RunInfo) {
		return func(info *rundir.RunInfo) { info.Shard = rundir.ShardInfo{Index: i, Count: 3} }
	}
	_, _, err := Merge(filepath.Join(tmp, "m3"), []string{edit(t, three(0)), edit(t, three(2))})
	if err == nil || !strings.Contains(err.Error(), "shard 2 of 3 missing") {
		t.Errorf("error %v, want the missing shard named", err)
	}
}
