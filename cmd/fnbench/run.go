package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"syscall"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/attack/campaign"
	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/simenv"
	"github.com/fnbench/fnbench/report"
	"github.com/fnbench/fnbench/scenarios"
)

type runFlags struct {
	out        string
	sets       []string
	progress   string
	cpuProfile string
	trace      string
	// runtimeStats: a file of the process's own figures every 10 s
	// (goroutines, heap, RSS, descriptors), for make soak.
	runtimeStats string
	// heapProfiles: a directory for a heap profile every minute
	heapProfiles string
	shard        string  // "i/n": send the i-th of every n arrivals
	shardBase    int     // 1, or 0 for JOB_COMPLETION_INDEX
	startAt      string  // RFC 3339: the schedule's time zero, agreed between shards
	upload       string  // s3://… or azblob://…: mirror the run directory there
	runID        string  // names the run in the upload, and in forced nonces
	clockSource  string  // hidden: "same-host" when fnbench distribute --executor local starts the shards
	maxRate      string  // a ceiling on the rate offered to all targets together
	maxCost      float64 // US dollars a run may cost; 0 for no limit
	// simKeepAliveScale shortens the built-in simulator's keep-alives
	// (sim.Config.KeepAliveScale); fnbench demo sets it.
	simKeepAliveScale float64
	gate              gateFlags
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run SCENARIO.yaml",
		Short: "Attack the scenario's targets, write a run directory and print a summary",
		Long: `Run sends the scenario's traffic to its targets on one shared timeline
(open model: requests leave at their scheduled times whatever the targets
do), records latency from each request's intended send time, writes a run
directory and prints a summary.

Then it applies the scenario's thresholds, and any --threshold, and lists
each with its observed value, 95% confidence interval and verdict; a
scenario without thresholds gets the built-in checks (the run completed, at
least 99% of the offered requests were sent, at most 1% of the completed
ones failed, the client kept up). A threshold marked abort: true in the scenario ends the
attack as soon as it is certainly lost (status aborted).

Exit codes: 0 success, 1 a threshold failed, 2 bad usage or invalid input,
3 the run failed.

Ctrl-C stops sending, waits for requests in flight (up to their timeout) and
marks the run interrupted; a second Ctrl-C abandons them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenario(cmd.Context(), args[0], f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "run directory to create (default runs/<scenario>-<time>)")
	cmd.Flags().StringArrayVar(&f.sets, "set", nil, "override a scenario field, as path=value (repeatable)")
	cmd.Flags().StringVar(&f.progress, "progress", "auto", "progress on stderr: auto, live, plain or none")
	cmd.Flags().StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the run to this file (for fnbench's developers)")
	cmd.Flags().MarkHidden("cpuprofile")
	cmd.Flags().StringVar(&f.trace, "trace", "", "write a Go execution trace of the run to this file (for fnbench's developers)")
	cmd.Flags().MarkHidden("trace")
	cmd.Flags().StringVar(&f.runtimeStats, "runtime-stats", "", "append fnbench's own goroutines, heap, RSS and open descriptors to this file every 10 s, as JSON lines (for make soak)")
	cmd.Flags().MarkHidden("runtime-stats")
	cmd.Flags().StringVar(&f.heapProfiles, "heap-profiles", "", "write a Go heap profile into this directory every minute, as heap-MMM.pprof (for make soak; compare two with go tool pprof -diff_base)")
	cmd.Flags().MarkHidden("heap-profiles")
	cmd.Flags().StringVar(&f.maxRate, "max-rate", "", "refuse a scenario that would offer more than this to all its targets together (this shard's share), e.g. 1000/s: a ceiling against a typo sending a real account 100× the load")
	cmd.Flags().Float64Var(&f.maxCost, "max-cost", 0, "refuse to start a run whose requests would cost more than this many US dollars even at 1 ms each, and stop one whose cost so far passes it (priced as fnbench cost prices a run; simulated targets as the platform they simulate)")
	cmd.Flags().StringVar(&f.shard, "shard", "", "run shard i of n (as i/n): send every n-th arrival, starting with the i-th, for fnbench merge to combine")
	cmd.Flags().IntVar(&f.shardBase, "shard-base", 1, "what --shard's i counts from: 1, or 0 as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX does")
	cmd.Flags().StringVar(&f.startAt, "start-at", "", "start the schedule's clock at this instant (RFC 3339, e.g. 2026-12-06T10:00:00Z), agreed by every shard of a distributed run; the run waits for it")
	cmd.Flags().StringVar(&f.upload, "upload", "", "mirror the run directory, as it is written, to s3://bucket/prefix or azblob://account/container/prefix, under <run-id>/shard-I-of-N/; fnbench merge URL/<run-id> pulls the shards back")
	cmd.Flags().StringVar(&f.runID, "run-id", "", "the run's name in --upload's storage (default: the scenario's name and --start-at, which every shard shares)")
	cmd.Flags().StringVar(&f.clockSource, "clock-source", "", "what the shards' clocks share, for the start skew: same-host (set by fnbench distribute --executor local)")
	cmd.Flags().MarkHidden("clock-source")
	cmd.Flags().Float64Var(&f.simKeepAliveScale, "sim-keep-alive-scale", 1, "sim:// targets: multiply the simulator's idle keep-alives by this (0.01 evicts after seconds, not minutes)")
	f.gate.register(cmd)
	return cmd
}

// runScenario is fnbench run: it fills the campaign's options from the
// flags, starts the built-in simulator for sim:// targets, turns Ctrl-C into
// cancellation, and maps the campaign's errors to exit codes.
func runScenario(ctx context.Context, path string, f runFlags, stdout, stderr io.Writer) error {
	opt, gate, err := runOptions(path, f, stdout, stderr)
	if err != nil {
		return usageError(err)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	s, err := startSimFor(ctx, opt.Plan, f.simKeepAliveScale)
	if err != nil {
		return runError(err)
	}
	if s != nil {
		defer s.Close()
		opt.Env.Sim, opt.SimCredentials, opt.SimAzureCredential = simenv.Resolver(s), simenv.Credentials(s), simenv.ARMCredential(s)
	}
	up, err := startUpload(ctx, f, &opt, stderr)
	if err != nil {
		return err
	}
	ctx, abort, stopSignals := interruptible(ctx, stderr)
	defer stopSignals()
	opt.Abort = abort
	return profiled(f, func() error {
		_, err := campaign.Run(ctx, opt)
		if upErr := up.finish(); upErr != nil {
			if err == nil {
				return upErr
			}
			fmt.Fprintf(stderr, "fnbench: %v\n", upErr)
		}
		if err != nil {
			var coded *exitError // a refusal before anything was sent keeps its code
			if errors.As(err, &coded) {
				return err
			}
			return runError(err)
		}
		return gate.err()
	})
}

// runOptions loads the scenario and fills the campaign's options from the
// flags; every error is bad input. Summaries go to stdout, the campaign's
// log to stderr.
func runOptions(path string, f runFlags, stdout, stderr io.Writer) (campaign.Options, *runGate, error) {
	plan, err := scenarios.Load(path, scenarios.LoadOptions{Sets: f.sets})
	if err != nil {
		return campaign.Options{}, nil, err
	}
	prog, err := newProgress(f.progress, stderr)
	if err != nil {
		return campaign.Options{}, nil, err
	}
	shard, err := campaign.ParseShard(f.shard, f.shardBase, plan)
	if err != nil {
		return campaign.Options{}, nil, err
	}
	if f.simKeepAliveScale < 0 {
		return campaign.Options{}, nil, fmt.Errorf("--sim-keep-alive-scale %v is negative; use a positive factor such as 0.01", f.simKeepAliveScale)
	}
	if err := checkSimProfiles(plan); err != nil {
		return campaign.Options{}, nil, err
	}
	if err := checkMaxRate(plan, f.maxRate, shard.Count); err != nil {
		return campaign.Options{}, nil, err
	}
	printWarnings(stderr, plan.Warnings)
	warnFDs(plan, shard.Count, stderr)
	checks, err := f.gate.options(plan.Scenario.Thresholds)
	if err != nil {
		return campaign.Options{}, nil, err
	}
	// run.json records every threshold the run is judged by, so that
	// fnbench check RUN judges it again the same way.
	plan.Scenario.Thresholds = checks.Thresholds
	plan.Redacted.Thresholds = checks.Thresholds
	gate := &runGate{checks: checks, w: stdout, shard: shard}
	runID := plan.Scenario.Name + "-" + time.Now().Format("20060102-150405")
	startAt, err := parseStartAt(f.startAt)
	if err != nil {
		return campaign.Options{}, nil, err
	}
	if !startAt.IsZero() {
		runID = distributedRunID(plan.Scenario.Name, startAt)
	}
	if f.runID != "" {
		if err := checkRunID(f.runID); err != nil {
			return campaign.Options{}, nil, err
		}
		runID = f.runID
	}
	out := f.out
	if out == "" {
		out = filepath.Join("runs", runID)
	}
	opt := campaign.Options{
		Plan: plan, OutDir: out, RunID: runID, Shard: shard,
		Tool: rundir.ToolInfo{Name: "fnbench", Version: toolVersion()}, Progress: prog, Log: stderr,
		Finished: gate.finished,
		StartAt:  startAt, Clock: clockInfo(f.clockSource),
	}
	if math.IsNaN(f.maxCost) || math.IsInf(f.maxCost, 0) || f.maxCost < 0 {
		return campaign.Options{}, nil, fmt.Errorf("--max-cost %v is not an amount: give US dollars, e.g. --max-cost 5", f.maxCost)
	}
	opt.Before = func(targets []rundir.TargetInfo) error {
		return costRails(plan, shard.Count, targets, f.maxCost, stderr)
	}
	opt.Watch = watchers(checks.Thresholds, f.maxCost)
	return opt, gate, nil
}

// runGate prints each finished run's summary and its thresholds' verdicts,
// and remembers whether every gate passed.
type runGate struct {
	checks analyze.CheckOptions
	w      io.Writer
	failed []*analyze.CheckReport
	// shard: a shard of a sharded run prints its checks but does not exit
	// on them; the gate is the merged run's (fnbench merge, then check,
	// or fnbench distribute).
	shard rundir.ShardInfo
}

// finished reads a finished run back, prints its summary and judges it.
func (g *runGate) finished(res *attack.Outcome) error {
	run, err := analyze.Load(res.Dir)
	if err != nil {
		return fmt.Errorf("reading back %s: %w", res.Dir, err)
	}
	sum := analyze.Summarize(run)
	if err := report.Text(g.w, sum); err != nil {
		return err
	}
	rep, err := analyze.Check(sum, g.checks)
	if err != nil {
		return err
	}
	fmt.Fprintln(g.w)
	if err := report.WriteCheck(g.w, "text", filepath.Base(res.Dir), rep); err != nil {
		return err
	}
	if !rep.OK() {
		g.failed = append(g.failed, rep)
	}
	return nil
}

// err is exit 1 when a run's gate failed.
func (g *runGate) err() error {
	if len(g.failed) == 0 {
		return nil
	}
	if g.shard.Count > 1 {
		fmt.Fprintf(g.w, "(shard %d of %d: a shard's checks do not set its exit code; the merged run's do: fnbench check on the output of fnbench merge)\n", g.shard.Index+1, g.shard.Count)
		return nil
	}
	return gateFailed(g.failed[0])
}

// interruptible returns ctx cancelled by the first SIGINT, SIGTERM or SIGHUP (the
// schedule stops; requests in flight finish), a channel closed by the
// second (requests in flight are abandoned), and the function that stops
// listening.
func interruptible(ctx context.Context, stderr io.Writer) (context.Context, <-chan struct{}, func()) {
	ctx, cancel := context.WithCancel(ctx)
	abort := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP) // a closed terminal drains as Ctrl-C does
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "\nfnbench: stopping; waiting for requests in flight (Ctrl-C again to abandon them)")
				cancel()
			} else {
				close(abort)
				return
			}
		}
	}()
	return ctx, abort, func() {
		signal.Stop(sigs) // no signal arrives on sigs after this
		close(sigs)
		cancel()
	}
}

// profiled calls run under the CPU profile and the execution trace that
// fnbench's developers may ask for.
func profiled(f runFlags, run func() error) error {
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return usageError(err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return runError(err)
		}
		defer pprof.StopCPUProfile()
	}
	if f.runtimeStats != "" {
		stop, err := writeRuntimeStats(f.runtimeStats, 10*time.Second)
		if err != nil {
			return usageError(err)
		}
		defer stop()
	}
	if f.heapProfiles != "" {
		stop, err := writeHeapProfiles(f.heapProfiles, time.Minute)
		if err != nil {
			return usageError(err)
		}
		defer stop()
	}
	if f.trace != "" {
		tf, err := os.Create(f.trace)
		if err != nil {
			return usageError(err)
		}
		defer tf.Close()
		if err := trace.Start(tf); err != nil {
			return runError(err)
		}
		defer trace.Stop()
	}
	return run()
}

// newProgress picks the progress display: a live line on a terminal, plain
// lines otherwise.
func newProgress(mode string, w io.Writer) (*attack.Progress, error) {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	switch mode {
	case "auto":
		return &attack.Progress{W: w, Terminal: tty}, nil
	case "live":
		return &attack.Progress{W: w, Terminal: true}, nil
	case "plain":
		return &attack.Progress{W: w}, nil
	case "none":
		return nil, nil
	}
	return nil, errors.New(`--progress must be auto, live, plain or none`)
}

// checkMaxRate refuses a scenario whose peak offered rate, over all its
// targets (each gets every arrival) and divided among shards, exceeds
// --max-rate.
func checkMaxRate(plan *scenarios.Plan, maxRate string, shards int) error {
	if maxRate == "" {
		return nil
	}
	limit, err := scenarios.ParseRate(maxRate)
	if err != nil || limit <= 0 {
		return fmt.Errorf("--max-rate %q is not a rate: write <number>/<unit>, e.g. --max-rate 1000/s", maxRate)
	}
	peak, phase := plan.Schedule.PeakRate()
	n := len(plan.Scenario.Targets)
	total := peak * float64(n) / float64(max(shards, 1))
	if total <= float64(limit)*(1+1e-9) {
		return nil
	}
	name := plan.Schedule.Phases[phase].Name
	if name == "" {
		name = fmt.Sprintf("#%d", phase+1)
	}
	each := fmt.Sprintf("%s/s to each of %d targets", formatRate(peak), n)
	if n == 1 {
		each = "to its one target"
	}
	return fmt.Errorf("the scenario offers up to %s/s (%s, in phase %s%s), above --max-rate %s: lower the scenario's rates (or --set one), or raise --max-rate",
		formatRate(total), each, name, shardNote(shards), maxRate)
}

func formatRate(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }

func shardNote(shards int) string {
	if shards <= 1 {
		return ""
	}
	return fmt.Sprintf(", this shard's 1/%d", shards)
}

// watchers makes the watchers of a run: thresholds marked abort, and
// --max-cost; nil when there is neither.
func watchers(ths []scenarios.Threshold, maxCost float64) func() attack.Watcher {
	abort := analyze.NewAbortWatch(ths) != nil
	if !abort && maxCost == 0 {
		return nil
	}
	return func() attack.Watcher {
		var ws multiWatch
		if w := analyze.NewAbortWatch(ths); w != nil {
			ws = append(ws, w)
		}
		if maxCost > 0 {
			ws = append(ws, analyze.NewCostWatch(cost.Default(), maxCost))
		}
		return ws
	}
}

// multiWatch tells every watcher of each interval; the first to ask stops
// the run.
type multiWatch []attack.Watcher

func (ws multiWatch) Begin(info *rundir.RunInfo) {
	for _, w := range ws {
		w.Begin(info)
	}
}

func (ws multiWatch) Interval(t int, c *rundir.IntervalCounts, latency *[len(rundir.Outcomes)]*hdr.Histogram) string {
	stop := ""
	for _, w := range ws {
		if s := w.Interval(t, c, latency); stop == "" {
			stop = s
		}
	}
	return stop
}

// costRails says, before a run against a real account sends anything, how
// many requests it will send and what they will cost, and refuses a run
// that would cost more than --max-cost even if every request took 1 ms.
func costRails(plan *scenarios.Plan, shards int, targets []rundir.TargetInfo, maxCost float64, w io.Writer) error {
	requests := int64(math.Round(plan.Schedule.Count(plan.Schedule.Duration()) / float64(max(shards, 1))))
	period := plan.Schedule.Duration()
	table := cost.Default()
	var low float64
	for i := range targets {
		ti := &targets[i]
		n := requests
		if f := plan.Scenario.ColdStart.Force; f != nil && ti.Kind == scenarios.KindAWSLambda {
			n += int64(3 * f.Count) // forcing tries up to 3 invocations a sample
		}
		if ti.Provider == "" || ti.Provider == platform.Generic {
			continue // a plain HTTP endpoint: no provider, no bill to estimate
		}
		e := analyze.EstimateRun(table, ti, n, period)
		if e.Reason != "" {
			if !ti.Simulated {
				fmt.Fprintf(w, "fnbench: target %s: %d requests, not priced (%s)\n", ti.Name, n, e.Reason)
			}
			continue
		}
		low += e.Low.Float64()
		if ti.Simulated {
			continue // the simulator costs nothing; --max-cost still prices it as what it simulates
		}
		note := ""
		if e.Note != "" {
			note = "; " + e.Note
		}
		fmt.Fprintf(w, "fnbench: target %s: %d requests on %s, costing $%s if each takes 1 ms up to $%s if each runs to its %s timeout (marginal, at the prices of %s%s)\n",
			ti.Name, n, e.Provider, e.Low.Fixed(4), e.High.Fixed(4), time.Duration(ti.TimeoutNs), table.Ref().Date, note)
	}
	if maxCost > 0 && low > maxCost {
		return usageError(fmt.Errorf("this run will cost at least $%.4f even if every request takes 1 ms, over --max-cost $%g: lower the rate or the duration, or raise --max-cost", low, maxCost))
	}
	return nil
}
