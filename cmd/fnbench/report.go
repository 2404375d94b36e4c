package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/analyze/cost"
	"github.com/fnbench/fnbench/report"
	"github.com/fnbench/fnbench/report/charts"
)

func newReportCmd() *cobra.Command {
	var format, out, pricing, chartsDir, strategy, target string
	var rps float64
	cmd := &cobra.Command{
		Use:   "report RUN[=label]...",
		Short: "Summarise one or more run directories",
		Long: `Summarise one or more run directories, side by side. RUN=label names a
run in the report (default: the directory's name).

--format text is the terminal summary; md is a short Markdown report for a
GitHub job summary or a pull request comment, verdict first; json is the
JSON summary (schema_version 1, documented in docs/summary-schema.md) that
reports and CI gates read: statistics with 95% confidence intervals per
target, phase and outcome, cold starts, scaling and cost; junit is one test
case per check (the run's thresholds, or the built-in checks); html is one self-contained page with
inline SVG charts that works offline.

--charts DIR also writes every chart as SVG and PNG into DIR.

A memory sweep's directory (sweep: {memory_mb: [...]}) gives the sweep view:
per memory size p50 and p99 with their 95% intervals, the mean billed
duration, the init time and the cost per million with its interval, a chart
of cost against p99, and the size recommended under --strategy cost, speed
or balanced, which says when sizes cannot be told apart.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(report.Formats, format) {
				return usageError(fmt.Errorf("--format %q is not supported; use %s", format, strings.Join(report.Formats, ", ")))
			}
			opt := analyze.Options{ProjectRPS: rps}
			ro := report.Options{Version: toolVersion()}
			if pricing != "" {
				t, err := cost.Load(pricing)
				if err != nil {
					return usageError(err)
				}
				opt.Pricing = t
			}
			if len(args) == 1 {
				if _, _, ok := analyze.SweepRuns(args[0]); ok {
					return sweepView(cmd, args[0], target, strategy, format, out, chartsDir, opt)
				}
			}
			if cmd.Flags().Changed("strategy") || cmd.Flags().Changed("target") {
				return usageError(errors.New("--strategy and --target choose a memory sweep's recommendation; give the sweep's directory (the one holding <size>mb run directories)"))
			}
			var loaded []*analyze.Run
			var labels []string
			for _, arg := range args {
				dir, label := report.ParseRunArg(arg)
				run, err := analyze.Load(dir)
				if err != nil {
					return usageError(err)
				}
				loaded, labels = append(loaded, run), append(labels, label)
			}
			var runs []report.Run
			for i, sum := range analyze.SummarizeRuns(loaded, opt) {
				checks, err := runChecks(loaded[i], sum)
				if err != nil {
					return usageError(err)
				}
				runs = append(runs, report.Run{Label: labels[i], Summary: sum, Checks: checks})
			}
			var buf bytes.Buffer
			if err := report.Render(&buf, format, runs, ro); err != nil {
				return runError(err)
			}
			if chartsDir != "" {
				paths, err := charts.WriteFiles(chartsDir, report.Charts(runs))
				if err != nil {
					return runError(err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "fnbench: wrote %d chart files to %s\n", len(paths), chartsDir)
			}
			return writeOutput(cmd.OutOrStdout(), out, buf.Bytes())
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: "+strings.Join(report.Formats, ", "))
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout")
	cmd.Flags().StringVar(&pricing, "pricing", "", "price table overriding the built-in one (YAML; see the README's Cost model)")
	cmd.Flags().StringVar(&chartsDir, "charts", "", "also write every chart as SVG and PNG into this directory")
	cmd.Flags().Float64Var(&rps, "rps", 0, "requests per second of the monthly cost projection (default: the highest rate the runs offered)")
	cmd.Flags().StringVar(&strategy, "strategy", analyze.StrategyBalanced, "a memory sweep's recommendation: cost (cheapest), speed (lowest p99) or balanced")
	cmd.Flags().StringVar(&target, "target", "", "a memory sweep's target to compare (default: its first aws-lambda target)")
	return cmd
}

// sweepView writes the comparison of a memory sweep's sizes.
func sweepView(cmd *cobra.Command, dir, target, strategy, format, out, chartsDir string, opt analyze.Options) error {
	if !slices.Contains(report.SweepFormats, format) {
		return usageError(fmt.Errorf("--format %q is not supported for a sweep; use %s", format, strings.Join(report.SweepFormats, ", ")))
	}
	ss, err := analyze.LoadSweep(dir, target, strategy, opt)
	if err != nil {
		return usageError(err)
	}
	var buf bytes.Buffer
	if err := report.WriteSweep(&buf, format, ss); err != nil {
		return runError(err)
	}
	if chartsDir != "" {
		paths, err := charts.WriteFiles(chartsDir, []*charts.Chart{charts.Sweep(ss)})
		if err != nil {
			return runError(err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "fnbench: wrote %d chart files to %s\n", len(paths), chartsDir)
	}
	return writeOutput(cmd.OutOrStdout(), out, buf.Bytes())
}

// writeOutput writes b to the file named out, or to stdout when out is empty.
func writeOutput(stdout io.Writer, out string, b []byte) error {
	if out == "" {
		_, err := stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return runError(err)
	}
	return nil
}

// runChecks judges a run by the thresholds it recorded (the built-in
// checks when it has none), for the reports to show.
func runChecks(run *analyze.Run, sum *analyze.Summary) (*analyze.CheckReport, error) {
	ths, err := scenarioThresholds(run)
	if err != nil {
		return nil, err
	}
	return analyze.Check(sum, analyze.CheckOptions{Thresholds: ths})
}
