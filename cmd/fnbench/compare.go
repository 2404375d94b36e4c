package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/report"
)

func newCompareCmd() *cobra.Command {
	var f compareFlags
	cmd := &cobra.Command{
		Use:   "compare BASELINE_RUN[=label] CANDIDATE_RUN[=label]",
		Short: "Compare a candidate run with a baseline: regression verdicts with significance",
		Long: `Compare pairs the targets of two runs by name (or by --pair base:cand) and,
for each pair and metric, gives the baseline and candidate values, the
change and its 95% confidence interval: a block bootstrap over the runs'
interval histograms for percentiles (neighbouring intervals are alike, and
the bootstrap keeps them together), Newcombe's interval for rates.

Verdicts:
  regression    significantly worse, by more than the tolerance
  improved      significantly better, by more than the tolerance
  unchanged     no change beyond the tolerance, with 95% confidence
  inconclusive  too little data to tell; says about how many requests would

--tolerance sets what is allowed per metric, over the defaults
p50=10%,p90=10%,p99=10%,cold.p50=15%,error_rate=0.5pp,throttle_rate=0.5pp;
a metric named there is compared (for example init.p50=20%).

With --baseline-dir DIR, give only the candidate: the baseline is the newest
complete run of the same scenario in DIR.

Exit codes: 0 no regression, 1 a regression, 2 bad usage or unreadable runs.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCompare(cmd, args, f)
		},
	}
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text, md, json or junit")
	cmd.Flags().StringVarP(&f.out, "output", "o", "", "write to this file instead of stdout")
	cmd.Flags().StringVar(&f.tolerance, "tolerance", "", "allowed change per metric, like p99=10%,cold.p50=15%,error_rate=0.5pp (over the defaults)")
	cmd.Flags().StringArrayVar(&f.pairs, "pair", nil, "pair targets base:cand (repeatable; default: like-named targets)")
	cmd.Flags().StringVar(&f.baselineDir, "baseline-dir", "", "take the baseline from DIR: the newest complete run of the candidate's scenario")
	cmd.Flags().Uint64Var(&f.seed, "seed", 1, "seed of the bootstrap, for repeatable intervals")
	return cmd
}

type compareFlags struct {
	format, out, tolerance, baselineDir string
	pairs                               []string
	seed                                uint64
}

// options reads the tolerance and the pairs.
func (f *compareFlags) options() (analyze.CompareOptions, error) {
	tol, err := analyze.ParseTolerance(f.tolerance)
	if err != nil {
		return analyze.CompareOptions{}, err
	}
	o := analyze.CompareOptions{Tolerance: tol, Seed: f.seed}
	for _, p := range f.pairs {
		b, c, ok := strings.Cut(p, ":")
		if !ok || b == "" || c == "" {
			return o, fmt.Errorf("--pair %q: write base:cand, the target names in the baseline and the candidate", p)
		}
		o.Pairs = append(o.Pairs, [2]string{b, c})
	}
	return o, nil
}

// runCompare is fnbench compare: load both runs (the baseline from
// --baseline-dir when given), compare, write the verdicts, exit 1 on a
// regression.
func runCompare(cmd *cobra.Command, args []string, f compareFlags) error {
	if err := checkGateFormat(f.format); err != nil {
		return err
	}
	if (f.baselineDir == "") != (len(args) == 2) {
		return usageError(errors.New("give a baseline and a candidate run, or --baseline-dir DIR and the candidate"))
	}
	o, err := f.options()
	if err != nil {
		return usageError(err)
	}
	if f.baselineDir != "" {
		base, err := newestBaseline(f.baselineDir, args[0])
		if err != nil {
			return usageError(err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "fnbench: baseline %s\n", base)
		args = []string{base, args[0]}
	}
	var sums [2]*analyze.Summary
	var labels [2]string
	for i, arg := range args {
		dir, label := report.ParseRunArg(arg)
		run, err := analyze.Load(dir)
		if err != nil {
			return usageError(err)
		}
		sums[i], labels[i] = analyze.Summarize(run), label
	}
	c, err := analyze.Compare(sums[0], sums[1], o)
	if err != nil {
		return usageError(err)
	}
	var buf bytes.Buffer
	if err := report.WriteCompare(&buf, f.format, labels[0], labels[1], c); err != nil {
		return runError(err)
	}
	if err := writeOutput(cmd.OutOrStdout(), f.out, buf.Bytes()); err != nil {
		return err
	}
	if c.Regressed() {
		return &exitError{exitGate, fmt.Errorf("%d regressions", c.Counts[string(analyze.Regression)])}
	}
	return nil
}

// newestBaseline finds, among the run directories directly inside dir, the
// newest complete run of the candidate's scenario (by name), other than the
// candidate itself.
func newestBaseline(dir, candidate string) (string, error) {
	candDir, _ := report.ParseRunArg(candidate)
	cand, err := rundir.ReadInfo(candDir)
	if err != nil {
		return "", err
	}
	name := cand.ScenarioName()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("--baseline-dir: %w", err)
	}
	var best string
	var bestInfo *rundir.RunInfo
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if !e.IsDir() || sameDir(path, candDir) {
			continue
		}
		info, err := rundir.ReadInfo(path)
		if err != nil || info.Status != rundir.StatusComplete || info.ScenarioName() != name {
			continue
		}
		if bestInfo == nil || info.StartTime.After(bestInfo.StartTime) {
			best, bestInfo = path, info
		}
	}
	if best == "" {
		return "", fmt.Errorf("--baseline-dir %s holds no complete run of scenario %q", dir, name)
	}
	return best, nil
}

func sameDir(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}
