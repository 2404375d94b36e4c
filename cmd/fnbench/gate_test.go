package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnbench/fnbench/internal/synthrun"
)

// simFixture is the committed simulator run the analysis tests read.
const simFixture = "../../analyze/testdata/run-sim"

// Every exit code of fnbench check: 0 every threshold passed, 1 one failed
// (or was inconclusive, unless allowed), 2 bad usage.
func TestCheckExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"built-in checks pass", nil, 0, "the gate passes"},
		{"a threshold passes", []string{"--threshold", "target=invoke p50 < 1s"}, 0, "pass"},
		{"a threshold fails", []string{"--threshold", "p50 < 1ms"}, 1, "gate fails"},
		{"inconclusive fails by default", []string{"--threshold", "target=invoke phase=warm-up p99.9 < 10s"}, 1, "inconclusive"},
		{"inconclusive may pass", []string{"--threshold", "target=invoke phase=warm-up p99.9 < 10s", "--inconclusive", "pass"}, 0, "inconclusive"},
		{"a bad expression", []string{"--threshold", "p99 < 5xs"}, 2, "      ^^^"},
		{"an unknown target", []string{"--threshold", "target=nope p99 < 1s"}, 2, `no target "nope"`},
		{"an unknown format", []string{"--format", "xml"}, 2, "--format"},
		{"not a run", []string{"--threshold", "p99 < 1s", "/nonexistent"}, 2, "not a run directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"check"}, tc.args...)
			if !strings.HasPrefix(tc.name, "not a run") {
				args = append(args, simFixture)
			}
			code, out, errs := cli(args...)
			if code != tc.code || !strings.Contains(out+errs, tc.says) {
				t.Errorf("exit %d, want %d saying %q\n%s\n%s", code, tc.code, tc.says, out, errs)
			}
		})
	}
}

// check writes each format, and -o writes it to a file.
func TestCheckFormats(t *testing.T) {
	file := filepath.Join(t.TempDir(), "junit.xml")
	if code, _, errs := cli("check", "--format", "junit", "-o", file, "--threshold", "p50 < 1ms", simFixture); code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), "<failure") {
		t.Errorf("junit file: %v\n%s", err, b)
	}
	code, out, _ := cli("check", "--format", "json", simFixture)
	var doc struct {
		Kind string `json:"kind"`
		OK   bool   `json:"ok"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.Kind != "check" || !doc.OK {
		t.Errorf("exit %d, json %+v\n%s", code, doc, out)
	}
}

// synthRuns writes a baseline and a candidate whose latency is slower by
// slowdown, of the same synthetic scenario.
func synthRuns(t *testing.T, slowdown float64) (base, cand string) {
	t.Helper()
	dir := t.TempDir()
	base, cand = filepath.Join(dir, "base"), filepath.Join(dir, "cand")
	o := synthrun.Options{Duration: 2 * time.Minute, RPS: 100}
	if _, err := synthrun.Write(base, o); err != nil {
		t.Fatal(err)
	}
	o.Seed, o.Slowdown = 2, slowdown
	if _, err := synthrun.Write(cand, o); err != nil {
		t.Fatal(err)
	}
	return base, cand
}

// Every exit code of fnbench compare: 0 no regression, 1 a regression, 2
// bad usage.
func TestCompareExitCodes(t *testing.T) {
	base, slow := synthRuns(t, 1.3)
	if code, out, errs := cli("compare", base+"=base", slow+"=cand"); code != 1 || !strings.Contains(out, "regression") {
		t.Errorf("30%% slower: exit %d, want 1 with a regression\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli("compare", base, base); code != 0 || strings.Contains(out, "regression ") {
		t.Errorf("a run against itself: exit %d, want 0\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli("compare", "--tolerance", "p50=50%,p90=50%,p99=50%", base, slow); code != 0 {
		t.Errorf("30%% slower within a 50%% tolerance: exit %d, want 0\n%s\n%s", code, out, errs)
	}
	for _, args := range [][]string{
		{"compare", base},
		{"compare", "--tolerance", "p99=10", base, slow},
		{"compare", "--pair", "lambda", base, slow},
		{"compare", "--pair", "nope:lambda", base, slow},
		{"compare", "--format", "html", base, slow},
		{"compare", base, "/nonexistent"},
	} {
		if code, _, errs := cli(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errs)
		}
	}
}

// --baseline-dir takes the newest complete run of the candidate's scenario.
func TestCompareBaselineDir(t *testing.T) {
	base, cand := synthRuns(t, 1)
	saved := t.TempDir()
	if err := os.CopyFS(filepath.Join(saved, "old"), os.DirFS(base)); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli("compare", "--baseline-dir", saved, cand)
	if code != 0 || !strings.Contains(errs, filepath.Join(saved, "old")) {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := cli("compare", "--baseline-dir", t.TempDir(), cand); code != 2 || !strings.Contains(errs, "no complete run") {
		t.Errorf("an empty baseline dir: exit %d\n%s", code, errs)
	}
}

// Every exit code of fnbench run's gate: 0 the thresholds passed, 1 one
// failed, 2 a bad threshold; the thresholds are recorded in run.json for
// fnbench check.
func TestRunGateExitCodes(t *testing.T) {
	scen := writeScenario(t, `name: gated
seed: 1
targets: [{name: hello, url: sim://trivial/noop}]
traffic: {phases: [{shape: constant, rate: 100/s, duration: 600ms}]}
thresholds: ["error_rate < 1%"]
`)
	dir := filepath.Join(t.TempDir(), "pass")
	if code, out, errs := cli("run", scen, "--out", dir, "--progress", "none"); code != 0 || !strings.Contains(out, "error_rate < 1%") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	dir = filepath.Join(t.TempDir(), "fail")
	code, out, errs := cli("run", scen, "--out", dir, "--progress", "none", "--threshold", "max < 0.001ms")
	if code != 1 || !strings.Contains(errs, "gate failed") {
		t.Fatalf("a failing threshold: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := cli("check", dir); code != 1 {
		t.Errorf("fnbench check of the failed run: exit %d, want 1 (run.json keeps --threshold)", code)
	}
	if code, _, errs := cli("run", scen, "--progress", "none", "--threshold", "p99 <"); code != 2 || !strings.Contains(errs, "expected a value") {
		t.Errorf("a bad --threshold: exit %d\n%s", code, errs)
	}
}

// Exit 3 from check and compare: the verdicts could not be written. (Exit 3
// from run, a run that failed or was interrupted, is signal_test.go's.)
func TestGateCommandsExit3WhenOutputFails(t *testing.T) {
	unwritable := filepath.Join(t.TempDir(), "missing", "out.txt")
	if code, _, errs := cli("check", "-o", unwritable, simFixture); code != 3 {
		t.Errorf("check: exit %d, want 3\n%s", code, errs)
	}
	base, cand := synthRuns(t, 1)
	if code, _, errs := cli("compare", "-o", unwritable, base, cand); code != 3 {
		t.Errorf("compare: exit %d, want 3\n%s", code, errs)
	}
}
