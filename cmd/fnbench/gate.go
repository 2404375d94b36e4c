package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/report"
	"github.com/fnbench/fnbench/scenarios"
)

// gateFlags are the threshold flags of run and check.
type gateFlags struct {
	thresholds   []string
	noDefault    bool
	inconclusive string
}

func (g *gateFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&g.thresholds, "threshold", nil, `a threshold to apply besides the scenario's, like "p99 < 500ms" (repeatable)`)
	cmd.Flags().BoolVar(&g.noDefault, "no-default-checks", false, "without thresholds, skip the built-in checks (run completed, achieved >= 99%, error_rate <= 1%, client kept up)")
	cmd.Flags().StringVar(&g.inconclusive, "inconclusive", "fail", "what a threshold with too few samples to tell does to the exit code: fail or pass")
}

// options parses the --threshold expressions (a caret under the bad token)
// and adds them to the scenario's.
func (g *gateFlags) options(scenario []scenarios.Threshold) (analyze.CheckOptions, error) {
	o := analyze.CheckOptions{Thresholds: append([]scenarios.Threshold(nil), scenario...), NoBuiltin: g.noDefault}
	switch g.inconclusive {
	case "fail", "":
	case "pass":
		o.InconclusivePasses = true
	default:
		return o, fmt.Errorf("--inconclusive %q: use fail or pass", g.inconclusive)
	}
	for _, e := range g.thresholds {
		th, err := scenarios.ParseThreshold(e)
		var te *scenarios.ThresholdError
		if errors.As(err, &te) {
			return o, fmt.Errorf("--threshold: %s\n%s", te.Error(), te.Caret())
		}
		o.Thresholds = append(o.Thresholds, th)
	}
	return o, nil
}

// gateFailed is the exit-1 error of a gate that did not pass.
func gateFailed(rep *analyze.CheckReport) error {
	var parts []string
	if rep.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", rep.Failed))
	}
	if rep.Inconclusive > 0 && !rep.InconclusivePasses {
		parts = append(parts, fmt.Sprintf("%d inconclusive (--inconclusive pass to let them through)", rep.Inconclusive))
	}
	return &exitError{exitGate, fmt.Errorf("gate failed: %s", strings.Join(parts, ", "))}
}

func checkGateFormat(format string) error {
	if !slices.Contains(report.GateFormats, format) {
		return usageError(fmt.Errorf("--format %q is not supported; use %s", format, strings.Join(report.GateFormats, ", ")))
	}
	return nil
}
