package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

func newMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge RUN... -o DIR",
		Short: "Merge the run directories of a sharded run into one",
		Long: `Merge the run directories of a sharded run into one.

Each RUN must be a shard of the same run: the same scenario file, targets,
phases and interval, every shard exactly once. Histograms are summed bucket
by bucket, so the merged percentiles are those of one run over the same
requests. The merged directory is a run like any other: report it, check it,
compare it.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError(errors.New("--output (-o) is required: the directory to write the merged run to"))
			}
			info, warnings, err := analyze.Merge(out, args)
			if err != nil {
				var we *rundir.WriteError
				if errors.As(err, &we) {
					return runError(err)
				}
				return usageError(err)
			}
			for _, w := range warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "fnbench: note: %s\n", w)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "merged %d shards into %s: %d targets, %d phases, status %s\n",
				len(args), out, len(info.Targets), len(info.Phases), info.Status)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "directory to write the merged run to (must not hold a run)")
	return cmd
}
