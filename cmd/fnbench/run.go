package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/fnbench/fnbench/internal/rundir"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/report"
	"github.com/fnbench/fnbench/scenarios"
)

type runFlags struct {
	out        string
	sets       []string
	progress   string
	cpuProfile string
	trace      string
	shard      string // "i/n": send the i-th of every n arrivals
	// simKeepAliveScale shortens the built-in simulator's keep-alives
	// (sim.Config.KeepAliveScale); fnbench demo sets it.
	simKeepAliveScale float64
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
	cmd.Flags().StringVar(&f.shard, "shard", "", "run shard i of n (as i/n): send every n-th arrival, starting with the i-th, for fnbench merge to combine")
	cmd.Flags().Float64Var(&f.simKeepAliveScale, "sim-keep-alive-scale", 1, "sim:// targets: multiply the simulator's idle keep-alives by this (0.01 evicts after seconds, not minutes)")
	return cmd
}

func runScenario(ctx context.Context, path string, f runFlags, stdout, stderr io.Writer) error {
	plan, err := scenarios.Load(path, scenarios.LoadOptions{Sets: f.sets})
	if err != nil {
		return usageError(err)
	}
	prog, err := newProgress(f.progress, stderr)
	if err != nil {
		return usageError(err)
	}
	shard, err := parseShard(f.shard, plan)
	if err != nil {
		return usageError(err)
	}
	if f.simKeepAliveScale < 0 {
		return usageError(fmt.Errorf("--sim-keep-alive-scale %v is negative; use a positive factor such as 0.01", f.simKeepAliveScale))
	}
	runID := plan.Scenario.Name + "-" + time.Now().Format("20060102-150405")
	out := f.out
	if out == "" {
		out = filepath.Join("runs", runID)
	}

	if ctx == nil {
		ctx = context.Background()
	}
	resolve, stopSim, err := startSimFor(ctx, plan, f.simKeepAliveScale)
	if err != nil {
		return runError(err)
	}
	defer stopSim()
	redacted := func(err error) error { return errors.New(plan.Redactor.Redact(err.Error())) }
	targets, err := attack.TargetsFromPlan(ctx, plan, attack.Env{Sim: resolve})
	if err != nil {
		return runError(redacted(err))
	}
	defer attack.CloseTargets(targets)
	simCreds := func() (string, string) { return sim.DefaultAccessKeyID, sim.DefaultSecretAccessKey }
	lc, err := newLambdaControl(ctx, plan, targets, simCreds, runID)
	if err != nil {
		return runError(redacted(err))
	}
	lc.describe(ctx, targets, stderr)

	// The first SIGINT or SIGTERM stops the schedule; the second abandons
	// requests in flight.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	abort := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		n := 0
		for range sigs {
			n++
			if n == 1 {
				fmt.Fprintln(stderr, "\nfnbench: stopping; waiting for requests in flight (Ctrl-C again to abandon them)")
				stop()
			} else {
				close(abort)
				return
			}
		}
	}()

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

	// Forced cold starts and sweeps change the functions' configuration:
	// record it first, and put it back whatever happens next.
	sc := &plan.Scenario
	var force *attack.Force
	if sc.ColdStart.Force != nil || sc.Sweep != nil {
		if err := lc.snapshot(ctx, targets); err != nil {
			return runError(redacted(err))
		}
		if sc.ColdStart.Force != nil {
			if force, err = lc.force(targets, sc.ColdStart.Force.Count); err != nil {
				return runError(redacted(err))
			}
		}
	}
	results, runErr := runSteps(ctx, plan, targets, lc, force, shard, out, prog, abort, stdout, stderr)
	if rerr := lc.restore(context.WithoutCancel(ctx), targets, stderr); rerr != nil {
		runErr = errors.Join(runErr, redacted(rerr))
	}
	if runErr != nil {
		return runError(runErr)
	}
	for _, res := range results {
		if res.Status != rundir.StatusComplete {
			return runError(fmt.Errorf("run %s: %s; partial results are in %s", res.Status, res.Reason, res.Dir))
		}
		for _, fr := range res.Forced {
			if fr.Cold < fr.Wanted {
				why := fr.Error
				if why == "" {
					why = fmt.Sprintf("%d of %d invocations after a configuration update were warm", fr.Warm, fr.Attempts)
				}
				return runError(fmt.Errorf("target %q: %d of %d forced cold starts: %s", fr.Target, fr.Cold, fr.Wanted, why))
			}
		}
	}
	return nil
}

// runSteps runs the scenario once, or once per memory size of a sweep
// (each into <out>/<size>mb), printing each run's summary.
func runSteps(ctx context.Context, plan *scenarios.Plan, targets []attack.Target, lc *lambdaControl, force *attack.Force,
	shard rundir.ShardInfo, out string, prog *attack.Progress, abort <-chan struct{}, stdout, stderr io.Writer) ([]*attack.Outcome, error) {
	type step struct {
		memoryMB int
		dir      string
	}
	steps := []step{{0, out}}
	if sw := plan.Scenario.Sweep; sw != nil {
		steps = steps[:0]
		for _, mb := range sw.MemoryMB {
			steps = append(steps, step{mb, filepath.Join(out, fmt.Sprintf("%dmb", mb))})
		}
	}
	var results []*attack.Outcome
	for _, st := range steps {
		if ctx.Err() != nil {
			break
		}
		if st.memoryMB > 0 {
			fmt.Fprintf(stderr, "fnbench: sweep: setting memory to %d MB\n", st.memoryMB)
			if err := lc.setMemory(ctx, targets, st.memoryMB); err != nil {
				return results, errors.New(plan.Redactor.Redact(err.Error()))
			}
			lc.describe(ctx, targets, stderr)
		}
		fmt.Fprintf(stderr, "fnbench: running %s → %s\n", plan.Scenario.Name, st.dir)
		res, err := attack.Run(ctx, attack.Options{
			Plan:     plan,
			Targets:  targets,
			OutDir:   st.dir,
			Tool:     rundir.ToolInfo{Name: "fnbench", Version: version},
			Progress: prog,
			Abort:    abort,
			Force:    force,
			Shard:    shard,
		})
		if err != nil {
			return results, err
		}
		results = append(results, res)
		run, err := analyze.Load(res.Dir)
		if err != nil {
			return results, fmt.Errorf("reading back %s: %w", res.Dir, err)
		}
		if err := report.Text(stdout, analyze.Summarize(run)); err != nil {
			return results, err
		}
		fmt.Fprintf(stderr, "fnbench: run directory %s\n", res.Dir)
	}
	return results, nil
}

// parseShard reads --shard i/n (1-based) into a ShardInfo.
func parseShard(s string, plan *scenarios.Plan) (rundir.ShardInfo, error) {
	if s == "" {
		return rundir.ShardInfo{Index: 0, Count: 1}, nil
	}
	var i, n int
	if _, err := fmt.Sscanf(s, "%d/%d", &i, &n); err != nil || n < 1 || i < 1 || i > n || fmt.Sprintf("%d/%d", i, n) != s {
		return rundir.ShardInfo{}, fmt.Errorf("--shard %q: want i/n with 1 <= i <= n, for example --shard 2/4", s)
	}
	if n > 1 && plan.Scenario.Traffic.Arrivals == scenarios.Poisson && !plan.Scenario.HasSeed {
		return rundir.ShardInfo{}, fmt.Errorf("--shard %s: Poisson arrivals need a seed so that every shard splits one arrival sequence; add seed: to the scenario or --set seed=N", s)
	}
	if n > 1 && (plan.Scenario.ColdStart.Force != nil || plan.Scenario.Sweep != nil) {
		return rundir.ShardInfo{}, fmt.Errorf("--shard %s: forced cold starts and sweeps change the function's configuration and cannot be sharded", s)
	}
	return rundir.ShardInfo{Index: i - 1, Count: n}, nil
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
