package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/report"
	"github.com/fnbench/fnbench/scenarios"
)

func newCheckCmd() *cobra.Command {
	var g gateFlags
	var format, out string
	cmd := &cobra.Command{
		Use:   "check RUN[=label]",
		Short: "Gate on a finished run: apply thresholds, exit 1 when one fails",
		Long: `Check applies thresholds to a finished run directory: those the run was
judged by (the scenario's and any given to fnbench run with --threshold,
as run.json records them), and any given here with --threshold. Each is judged per
target unless it names one, and listed with its observed value and 95%
confidence interval. A run with no threshold at all gets the built-in
checks: it completed, at least 99% of the offered requests were sent, at
most 1% of the completed ones failed.

Threshold expressions, for example:
  p99 < 500ms
  target=azure phase=spike cold.p50 <= 2s
  error_rate[30s] < 1%        (in every 30 s window)
  cost_per_million < $5

Exit codes: 0 every threshold passed, 1 one failed (or was inconclusive,
unless --inconclusive pass), 2 bad usage or an unreadable run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkGateFormat(format); err != nil {
				return err
			}
			dir, label := report.ParseRunArg(args[0])
			run, err := analyze.Load(dir)
			if err != nil {
				return usageError(err)
			}
			ths, err := scenarioThresholds(run)
			if err != nil {
				return usageError(err)
			}
			o, err := g.options(ths)
			if err != nil {
				return usageError(err)
			}
			rep, err := analyze.Check(analyze.Summarize(run), o)
			if err != nil {
				return usageError(err)
			}
			var buf bytes.Buffer
			if err := report.WriteCheck(&buf, format, label, rep); err != nil {
				return runError(err)
			}
			if err := writeOutput(cmd.OutOrStdout(), out, buf.Bytes()); err != nil {
				return err
			}
			if !rep.OK() {
				return gateFailed(rep)
			}
			return nil
		},
	}
	g.register(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, md, json or junit")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout")
	return cmd
}

// scenarioThresholds reads the thresholds of the scenario a run recorded in
// run.json; a run from before thresholds has none.
func scenarioThresholds(run *analyze.Run) ([]scenarios.Threshold, error) {
	var sc struct {
		Thresholds []scenarios.Threshold `json:"thresholds"`
	}
	if err := json.Unmarshal(run.Info.Scenario, &sc); err != nil {
		return nil, fmt.Errorf("%s: the scenario in run.json: %w", run.Dir, err)
	}
	return sc.Thresholds, nil
}
