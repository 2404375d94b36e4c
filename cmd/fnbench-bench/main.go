// Command fnbench-bench is fnbench's benchmark harness (`make bench`, `make
// bench-quick`). It measures the path users take (issue 12): plain
// HTTP/1.1, HTTPS/1.1 and HTTPS with HTTP/2 to a loopback server that
// answers after 0, 50 or 250 ms, in a process of its own. In each cell it
// runs fnbench and vegeta at the same offered rate, taking turns, and hey and
// wrk as closed-loop ceilings where the server answers at once. It then
// overloads the built-in simulator to score cold-start tagging against
// ground truth, times `fnbench report --format json` on a synthetic
// one-hour run, judges issue 12's targets, and writes it all as a Markdown
// section of BENCHMARKS.md. Nothing here is a pass/fail test: the figures
// are for people and for closing notes.
//
// `fnbench-bench serve` is the loopback server itself (server.go).
package main

import (
	"debug/buildinfo"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// options are the command line's flags.
type options struct {
	fnbench, vegeta, hey, wrk string
	quick                     bool
	duration, timeout         time.Duration
	coolDown, budget          time.Duration
	coldRate                  float64
	coldDuration              time.Duration
	soak                      time.Duration
	md, work                  string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serve(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "fnbench-bench serve:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "soak-sim" {
		if err := simSoak(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "fnbench-bench soak-sim:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.fnbench, "fnbench", "bin/fnbench", "fnbench binary")
	flag.StringVar(&o.vegeta, "vegeta", "bin/vegeta", "vegeta binary")
	flag.StringVar(&o.hey, "hey", "bin/hey", "hey binary (closed-loop ceiling; left out when absent)")
	flag.StringVar(&o.wrk, "wrk", "wrk", "wrk binary (closed-loop ceiling; left out when absent)")
	flag.BoolVar(&o.quick, "quick", false, "measure issue 12's target cells only (make bench-quick), not the whole matrix")
	flag.DurationVar(&o.duration, "duration", 4*time.Second, "length of each open-model run")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Second, "request timeout of every tool")
	flag.DurationVar(&o.coolDown, "cool-down", time.Second, "pause after every run for connections to close (three times as long after a run that collapsed)")
	flag.DurationVar(&o.budget, "budget", 13*time.Minute, "the whole run's time budget: each protocol and delay gets a share and stops at a lower rate once it is spent")
	flag.Float64Var(&o.coldRate, "cold-rate", 20000, "offered rate of the overloaded-simulator cell, requests/s")
	flag.DurationVar(&o.coldDuration, "cold-duration", 10*time.Second, "length of the overloaded-simulator cell")
	flag.DurationVar(&o.soak, "soak", 0, "also run fnbench at 20,000/s for this long and sample its memory (e.g. 10m)")
	flag.StringVar(&o.md, "md", "", "write the results as the generated section of this Markdown file (BENCHMARKS.md)")
	flag.StringVar(&o.work, "work", "", "directory for run outputs, kept (default a temporary one, removed unless a run failed)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "fnbench-bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	start := time.Now()
	ts, err := newToolset(o)
	if err != nil {
		return err
	}
	if o.work == "" {
		if ts.work, err = os.MkdirTemp("", "fnbench-bench-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(o.work, 0o755); err != nil {
		return err
	}
	rep := &report{title: "make bench", commandLine: commandLine(), date: start, machine: readMachine(),
		versions: versions(ts), duration: o.duration, timeout: o.timeout, coolDown: o.coolDown, searched: !o.quick}
	if o.quick {
		rep.title = "make bench-quick"
	}
	r := &runner{tools: ts, coolDown: o.coolDown}
	if note := idleCheck(); note != "" {
		fmt.Fprintln(os.Stderr, "fnbench-bench: warning:", note)
		r.notes = append(r.notes, note)
	}
	if err := measureAll(o, r, rep, start); err != nil {
		return fmt.Errorf("%w (the outputs so far are in %s)", err, ts.work)
	}
	rep.results, rep.notes = r.results, append(r.notes, toolNotes(ts)...)
	rep.wall = time.Since(start)
	section := rep.markdown()
	fmt.Print(section)
	if o.md != "" {
		if err := writeSection(o.md, section); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "fnbench-bench: wrote %s in %s\n", o.md, rep.wall.Round(time.Second))
	}
	return cleanUp(o, ts.work, r.results)
}

// What the parts after the matrix take on this machine, at most: the
// simulator cell beyond its sending (start, drain, reading the truth), and
// synthesising a one-hour run and reporting on it six times.
const (
	coldReserve   = 20 * time.Second
	reportReserve = 2 * time.Minute
)

// measureAll runs the plan, the simulator cell, the report timing (full
// run, when the budget still allows it) and the soak (when asked). The
// plan's groups share what the budget leaves for the matrix, each in turn
// an equal part of what remains.
func measureAll(o options, r *runner, rep *report, start time.Time) error {
	var err error
	if rep.rtt, err = roundTrips(r.tools.work); err != nil {
		return err
	}
	plan := fullPlan()
	if o.quick {
		plan = quickPlan()
	}
	end := start.Add(o.budget)
	matrixEnd := end.Add(-o.coldDuration - coldReserve - reportReserve)
	for i, g := range plan {
		share := time.Until(matrixEnd) / time.Duration(len(plan)-i)
		if err := r.runGroup(g, share); err != nil {
			return err
		}
	}
	if rep.cold, err = r.runColdCheck(o.coldRate, o.coldDuration); err != nil {
		return err
	}
	switch {
	case o.quick:
	case time.Until(end) < reportReserve:
		r.notes = append(r.notes, "The timing of `fnbench report --format json` on a synthetic one-hour run was left out to keep to the time budget.")
	default:
		if rep.reportJSON, err = timeReport(r.tools.fnbench, r.tools.work); err != nil {
			return err
		}
	}
	if o.soak > 0 {
		if rep.soak, err = r.runSoak(o.soak); err != nil {
			return err
		}
	}
	return nil
}

// cleanUp removes a temporary work directory, unless a run failed: then
// its logs are what to read.
func cleanUp(o options, work string, results []measurement) error {
	failed := 0
	for _, m := range results {
		if m.failed != "" {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d runs failed; their logs are in %s", failed, work)
	}
	if o.work == "" {
		return os.RemoveAll(work)
	}
	return nil
}

// newToolset finds the tools: fnbench and vegeta are required, hey and
// wrk are left out when absent.
func newToolset(o options) (*toolset, error) {
	ts := &toolset{work: o.work, duration: o.duration, timeout: o.timeout}
	var err error
	if ts.fnbench, err = exec.LookPath(o.fnbench); err != nil {
		return nil, fmt.Errorf("fnbench binary: %w; build it first (make bench does)", err)
	}
	if ts.vegeta, err = exec.LookPath(o.vegeta); err != nil {
		return nil, fmt.Errorf("vegeta binary: %w; install it first (make bench does)", err)
	}
	ts.hey, _ = exec.LookPath(o.hey)
	ts.wrk, _ = exec.LookPath(o.wrk)
	return ts, nil
}

// toolNotes says which ceilings are missing, and why.
func toolNotes(ts *toolset) []string {
	var notes []string
	if ts.hey == "" {
		notes = append(notes, "hey was not found, so its ceilings are left out: `make bench` installs it into ./bin.")
	}
	if ts.wrk == "" {
		notes = append(notes, "wrk was not found, so its ceilings are left out: `make bench` installs Debian's wrk when it runs as root or with sudo.")
	}
	return notes
}

// versions names what was measured: fnbench as it reports itself, the Go
// peers from their build information, wrk from its banner.
func versions(ts *toolset) []string {
	vs := []string{"harness " + runtime.Version()}
	if out, err := exec.Command(ts.fnbench, "version").Output(); err == nil {
		vs = append(vs, strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("git", "describe", "--always", "--dirty").Output(); err == nil {
		vs = append(vs, "source "+strings.TrimSpace(string(out)))
	}
	for _, t := range []struct{ name, path string }{{toolVegeta, ts.vegeta}, {toolHey, ts.hey}} {
		if bi, err := buildinfo.ReadFile(t.path); t.path != "" && err == nil {
			vs = append(vs, fmt.Sprintf("%s %s (%s)", t.name, bi.Main.Version, bi.GoVersion))
		}
	}
	if ts.wrk != "" {
		// wrk -v prints its banner and exits 1.
		out, _ := exec.Command(ts.wrk, "-v").CombinedOutput()
		if f := strings.Fields(string(out)); len(f) >= 2 {
			vs = append(vs, f[0]+" "+f[1])
		}
	}
	return vs
}

// busyBar is how much of a core the machine may spend on other work, in
// the second before the harness starts, without a warning in the notes.
const busyBar = 0.2

// idleCheck says whether the machine was busy with other work before
// anything started: on two cores, that work competes with every tool.
func idleCheck() string {
	before := machineBusy()
	time.Sleep(time.Second)
	busy := (machineBusy() - before).Seconds()
	if busy <= busyBar {
		return ""
	}
	return fmt.Sprintf("The machine was not idle when the harness started: other work used %s of a core. Every figure below competed with it; see the *rest* CPU column.", percent(busy))
}

// commandLine is how the harness was started, with paths relative to the
// working directory (the repository, under make).
func commandLine() string {
	line := strings.Join(os.Args, " ")
	if wd, err := os.Getwd(); err == nil {
		line = strings.ReplaceAll(line, wd+"/", "")
	}
	return line
}
