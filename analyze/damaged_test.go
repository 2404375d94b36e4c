package analyze

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/internal/rundir"
)

// copyFixture copies the simulator fixture run into a temporary directory.
func copyFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "run-sim")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A damaged run directory loads with what is sound in it and says what was
// not (issue 13, fault 7): a line of negative counts is left out, not
// printed as "not sent -1"; an emptied latency.hlog is noted.
func TestDamagedRunDirectory(t *testing.T) {
	t.Run("negative counts", func(t *testing.T) {
		dir := copyFixture(t)
		path := filepath.Join(dir, rundir.IntervalsFile)
		b, _ := os.ReadFile(path)
		lines := strings.SplitAfter(string(b), "\n")
		lines[1] = strings.Replace(lines[1], `"not_sent":0`, `"not_sent":-1`, 1)
		os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644)
		run, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !hasWarning(run, "intervals.jsonl:2: not_sent is -1; counts and times are never negative; the line is left out") {
			t.Errorf("warnings %q", run.Warnings)
		}
		for _, tr := range run.Targets {
			for _, pr := range tr.Phases {
				if pr.Counts.NotSent < 0 {
					t.Errorf("%s: not sent %d", tr.Info.Name, pr.Counts.NotSent)
				}
			}
		}
	})
	t.Run("a billing sum beyond reach", func(t *testing.T) {
		dir := copyFixture(t)
		path := filepath.Join(dir, rundir.IntervalsFile)
		b, _ := os.ReadFile(path)
		os.WriteFile(path, []byte(strings.Replace(string(b), `"reports":10`, `"reports":9200000000000000000`, 1)), 0o644)
		run, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !hasWarning(run, "intervals.jsonl:1: billing.reports is 9200000000000000000, more than any interval holds") {
			t.Errorf("warnings %q", run.Warnings)
		}
	})
	for _, c := range []struct{ file, says string }{
		{rundir.LatencyFile, "latency.hlog:1: a line larger than fnbench reads (its cap is 16 MiB)"},
		{rundir.RunFile, "the run.json is larger than fnbench reads (its cap is 64 MiB)"},
	} {
		t.Run(c.file+" is /dev/zero", func(t *testing.T) {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skip("no /dev/zero")
			}
			dir := copyFixture(t)
			os.Remove(filepath.Join(dir, c.file))
			if err := os.Symlink("/dev/zero", filepath.Join(dir, c.file)); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("Load: %v", err)
			}
		})
	}
	t.Run("empty latency.hlog", func(t *testing.T) {
		dir := copyFixture(t)
		os.WriteFile(filepath.Join(dir, rundir.LatencyFile), nil, 0o644)
		run, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !hasWarning(run, "latency.hlog holds no latency histogram although intervals.jsonl counts") {
			t.Errorf("warnings %q", run.Warnings)
		}
	})
}

func hasWarning(run *Run, s string) bool {
	for _, w := range run.Warnings {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}
