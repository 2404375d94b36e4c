package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/report"
	"github.com/fnbench/fnbench/scenarios/examples"
)

// demoScenario is the bundled comparison `fnbench demo` runs.
const demoScenario = "aws-vs-azure.yaml"

// demoKeepAliveScale shortens the simulator's keep-alives 200-fold, so the
// scenario's 25 s idle gap evicts what real platforms keep for minutes;
// everything else runs at calibrated speed.
const demoKeepAliveScale = 0.005

type demoFlags struct {
	out      string
	sets     []string
	progress string
}

func newDemoCmd() *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Compare simulated AWS Lambda and Azure Functions and write an HTML report",
		Long: `Demo starts the built-in simulator and runs the bundled scenario
scenarios/examples/aws-vs-azure.yaml against it — AWS Lambda behind an API
Gateway HTTP API and an Azure Functions app on the Consumption plan: a
warm-up, an idle gap long enough for the platforms to evict their instances
(the simulator's keep-alives are shortened 200-fold; cold starts, handler
times and scale-out keep their calibrated values), a spike from cold and a
ramp. It takes about 80 seconds, prints the summary, and writes the run
directory and a self-contained HTML report under --out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "directory for the run and the report (default runs/demo-<time>)")
	cmd.Flags().StringArrayVar(&f.sets, "set", nil, "override a field of the demo scenario, as path=value (repeatable)")
	cmd.Flags().StringVar(&f.progress, "progress", "auto", "progress on stderr: auto, live, plain or none")
	return cmd
}

func runDemo(ctx context.Context, f demoFlags, stdout, stderr io.Writer) error {
	out := f.out
	if out == "" {
		out = filepath.Join("runs", "demo-"+time.Now().Format("20060102-150405"))
	}
	scen, err := demoScenarioFile(out)
	if err != nil {
		return runError(err)
	}
	runDir := filepath.Join(out, "run")
	rf := runFlags{out: runDir, sets: f.sets, progress: f.progress, simKeepAliveScale: demoKeepAliveScale}
	if err := runScenario(ctx, scen, rf, stdout, stderr); err != nil {
		return err
	}
	run, err := analyze.Load(runDir)
	if err != nil {
		return runError(err)
	}
	sum := analyze.Summarize(run)
	checks, err := runChecks(run, sum)
	if err != nil {
		return runError(err)
	}
	runs := []report.Run{{Label: "demo", Summary: sum, Checks: checks}}
	file := filepath.Join(out, "report.html")
	fh, err := os.Create(file)
	if err != nil {
		return runError(fmt.Errorf("cannot write the report: %w", err))
	}
	if err := report.HTML(fh, runs, report.Options{Version: toolVersion()}); err != nil {
		fh.Close()
		return runError(err)
	}
	if err := fh.Close(); err != nil {
		return runError(err)
	}
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	fmt.Fprintf(stdout, "\nverdict: %s\nHTML report: %s\n", report.Headline(runs), file)
	return nil
}

// demoScenarioFile is the scenario in the source tree when fnbench runs
// from a clone (so run.json names it), else the embedded copy written
// beside the run.
func demoScenarioFile(out string) (string, error) {
	local := filepath.Join("scenarios", "examples", demoScenario)
	if _, err := os.Stat(local); err == nil {
		return local, nil
	}
	b, err := examples.FS.ReadFile(demoScenario)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("cannot create %s: %w", out, err)
	}
	p := filepath.Join(out, demoScenario)
	return p, os.WriteFile(p, b, 0o644)
}
