package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/internal/golden"
	"github.com/fnbench/fnbench/internal/rundir"
)

// hostileCase is one bad input: the files it needs, the command, and which
// lines of its stdout to keep (a report's warnings).
type hostileCase struct {
	name  string
	setup func(t *testing.T, dir string) []string // returns the arguments
	keep  string                                  // keep stdout lines holding this
}

// The table of hostile inputs (issue 13): each bad input's exit code and
// message, held in a golden file. None may panic, hang or grow without
// bound; every message names the input and says what was expected.
func TestHostileInputs(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("needs /dev/zero")
	}
	scenario := func(body string) func(*testing.T, string) []string {
		return func(t *testing.T, dir string) []string {
			path := filepath.Join(dir, "s.yaml")
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{"validate", path}
		}
	}
	const targets = "targets: [{name: a, url: http://127.0.0.1:8080/}]\n"
	const traffic = "traffic: {phases: [{shape: constant, rate: 10/s, duration: 1s}]}\n"
	run := func(edit func(t *testing.T, dir string), args ...string) func(*testing.T, string) []string {
		return func(t *testing.T, dir string) []string {
			run := filepath.Join(dir, "run")
			copyDir(t, simFixture, run)
			if edit != nil {
				edit(t, run)
			}
			return append(append([]string{}, args...), run)
		}
	}
	devZero := func(file string) func(*testing.T, string) {
		return func(t *testing.T, run string) {
			os.Remove(filepath.Join(run, file))
			if err := os.Symlink("/dev/zero", filepath.Join(run, file)); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []hostileCase{
		{name: "scenario is /dev/zero", setup: func(*testing.T, string) []string { return []string{"validate", "/dev/zero"} }},
		{name: "scenario over 4 MiB", setup: scenario("name: big\n" + strings.Repeat("# padding\n", 500_000))},
		{name: "billion laughs", setup: scenario(laughs() + "targets: *l9\n")},
		{name: "merge-key bomb", setup: scenario(mergeBomb())},
		{name: "100k-deep nesting", setup: scenario("name: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n")},
		{name: "NaN rate", setup: scenario("name: x\n" + targets + "traffic: {phases: [{shape: constant, rate: NaN/s, duration: 1s}]}\n")},
		{name: "infinite rate", setup: scenario("name: x\n" + targets + "traffic: {phases: [{shape: constant, rate: 1e400/s, duration: 1s}]}\n")},
		{name: "scenario is a symlink loop", setup: func(t *testing.T, dir string) []string {
			path := filepath.Join(dir, "loop.yaml")
			os.Symlink(path, path)
			return []string{"validate", path}
		}},
		{name: "port out of range", setup: scenario("name: x\ntargets: [{name: a, url: http://127.0.0.1:99999/}]\n" + traffic)},
		{name: "unknown simulator profile", setup: scenario("name: x\ntargets: [{name: a, url: sim://nope/hello}]\n" + traffic)},
		{name: "forced cold starts on an alias", setup: scenario("name: x\ntargets: [{name: a, kind: aws-lambda, function: hello, qualifier: live}]\ncold_start: {force: {count: 5}}\n" + traffic)},
		{name: "a secret written literally", setup: scenario("name: x\ntargets: [{name: a, url: http://127.0.0.1:8080/, headers: {X-Api-Key: hunter2-literal}}]\n" + traffic)},
		{name: "run over --max-rate", setup: func(t *testing.T, dir string) []string {
			args := scenario("name: x\n"+targets+traffic)(t, dir)
			return []string{"run", args[1], "--max-rate", "5/s", "--progress", "none", "--out", filepath.Join(dir, "out")}
		}},
		{name: "cost --rps NaN", setup: run(nil, "cost", "--rps", "NaN")},
		{name: "cost --requests -5", setup: func(*testing.T, string) []string {
			return []string{"cost", "--provider", "aws-lambda", "--memory-mb", "128", "--duration-ms", "10", "--requests", "-5"}
		}},
		{name: "cost --requests 1e30", setup: func(*testing.T, string) []string {
			return []string{"cost", "--provider", "aws-lambda", "--memory-mb", "128", "--duration-ms", "10", "--requests", "1e30"}
		}},
		{name: "cost --duration-ms 1e308", setup: func(*testing.T, string) []string {
			return []string{"cost", "--provider", "aws-lambda", "--memory-mb", "128", "--duration-ms", "1e308", "--requests", "10"}
		}},
		{name: "cost of 9.2e18 instances", setup: func(*testing.T, string) []string {
			return []string{"cost", "--provider", "azure-premium", "--requests", "10", "--instances", "9200000000000000000"}
		}},
		{name: "report: run.json is /dev/zero", setup: run(devZero(rundir.RunFile), "report", "--format", "text")},
		{name: "report: latency.hlog is /dev/zero", setup: run(devZero(rundir.LatencyFile), "report", "--format", "text")},
		{name: "report: negative counts", keep: "left out", setup: run(func(t *testing.T, run string) {
			path := filepath.Join(run, rundir.IntervalsFile)
			b, _ := os.ReadFile(path)
			os.WriteFile(path, []byte(strings.Replace(string(b), `"not_sent":0`, `"not_sent":-1`, 1)), 0o644)
		}, "report", "--format", "text")},
		{name: "report: latency.hlog emptied", keep: "holds no latency histogram", setup: run(func(t *testing.T, run string) {
			os.WriteFile(filepath.Join(run, rundir.LatencyFile), nil, 0o644)
		}, "report", "--format", "text")},
		{name: "report: not a run directory", setup: func(_ *testing.T, dir string) []string { return []string{"report", dir} }},
		{name: "restore: nothing to restore", setup: run(nil, "restore")},
	}
	var out strings.Builder
	for _, c := range cases {
		dir := t.TempDir()
		args := c.setup(t, dir)
		code, stdout, stderr := cli(args...)
		fmt.Fprintf(&out, "== %s\n$ fnbench %s\nexit %d\n", c.name, strings.Join(shorten(args), " "), code)
		if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
			t.Errorf("%s: a stack trace:\n%s", c.name, stderr)
		}
		for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
			if line != "" {
				fmt.Fprintln(&out, line)
			}
		}
		for _, line := range strings.Split(stdout, "\n") {
			if c.keep != "" && strings.Contains(line, c.keep) {
				fmt.Fprintln(&out, strings.TrimSpace(line))
			}
		}
		out.WriteString("\n")
	}
	golden.Check(t, "hostile.txt", []byte(normalizeTemp(out.String())))
}

// shorten keeps arguments readable in the golden file.
func shorten(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if len(a) > 60 {
			out[i] = a[:57] + "..."
		}
	}
	return out
}

// normalizeTemp replaces the test's temporary directories, which differ on
// every run, with $TMP.
func normalizeTemp(s string) string {
	re := regexp.MustCompile(regexp.QuoteMeta(os.TempDir()) + `/Test[^/\s]*/\d+`)
	return re.ReplaceAllString(s, "$$TMP")
}

// copyDir copies the files of a directory (no subdirectories).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// laughs is a billion-laughs document: nine levels of anchors, each a list
// of ten aliases of the one before, 10^9 values at the top.
func laughs() string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	return b.String()
}

// mergeBomb does the same through merge keys.
func mergeBomb() string {
	var b strings.Builder
	b.WriteString("x0: &x0 {k: 1}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "x%d: &x%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*x%d, ", i-1), 10), ", "))
	}
	b.WriteString("<<: *x9\n")
	return b.String()
}
