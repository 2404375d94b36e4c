package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/scenarios"
)

// newValidateCmd builds `fnbench validate SCENARIO.yaml [--set path=value]...`:
// load the scenario with the same checks `fnbench run` applies and print the
// plan it describes, secrets redacted. An invalid scenario exits 2 with every
// error found, one per line as file:line:col.
// printWarnings prints a scenario's warnings, each on a line of its own.
func printWarnings(w io.Writer, warnings []string) {
	for _, s := range warnings {
		fmt.Fprintln(w, "fnbench: warning: "+s)
	}
}

func newValidateCmd() *cobra.Command {
	var sets []string
	cmd := &cobra.Command{
		Use:   "validate SCENARIO.yaml",
		Short: "Check a scenario file and print the plan it describes",
		Long: "Validate loads a scenario file exactly as run would (environment references\n" +
			"resolved, --set overrides applied) and prints the phases, targets and expected\n" +
			"request counts, with secrets redacted. It sends no traffic.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			plan, err := scenarios.Load(args[0], scenarios.LoadOptions{Sets: sets})
			if err == nil {
				err = checkSimProfiles(plan)
			}
			if err != nil {
				return usageError(err)
			}
			if err := plan.Describe(cmd.OutOrStdout()); err != nil {
				return runError(err)
			}
			printWarnings(cmd.ErrOrStderr(), plan.Warnings)
			return nil
		},
	}
	// StringArray, not StringSlice: a value may contain commas.
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a scenario value, as path=value (repeatable), for example --set targets.aws.url=http://127.0.0.1:8080/")
	return cmd
}
