package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/objstore"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/report"
)

func newMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge (RUN... | s3://…/RUN-ID | azblob://…/RUN-ID) -o DIR",
		Short: "Merge the run directories of a sharded run into one",
		Long: `Merge the run directories of a sharded run into one.

Each RUN must be a shard of the same run: the same scenario file, targets,
phases and interval, every shard exactly once. Histograms are summed bucket
by bucket, so the merged percentiles are those of one run over the same
requests. The merged directory is a run like any other: report it, check it,
compare it. Its report has a shard table: each shard's achieved rate, lag,
start error and skew, and a warning for a shard that fell behind or was
killed (partial).

Given the URL of a run that shards uploaded (fnbench run --upload, or
fnbench distribute), merge downloads every shard-I-of-N/ under it into
DIR/shards/ first. A shard killed mid-run has uploaded all but its last
interval at most; it is merged as it stands, marked partial. Shards of
different scenarios, seeds, shard counts or start instants are refused, as
are a shard given twice or one missing.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError(errors.New("--output (-o) is required: the directory to write the merged run to"))
			}
			dirs := args
			if len(args) == 1 && objstore.IsURL(args[0]) {
				loc, err := objstore.Parse(args[0])
				if err != nil {
					return usageError(err)
				}
				if dirs, err = fetchShards(cmd.Context(), loc, filepath.Join(out, "shards"), cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			info, warnings, err := analyze.Merge(out, dirs)
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
				len(dirs), out, len(info.Targets), len(info.Phases), info.Status)
			if mi, _ := analyze.ReadMergeInfo(out); mi != nil {
				if line := report.SkewLine(mi); line != "" {
					fmt.Fprintln(cmd.OutOrStdout(), line)
				}
				for _, w := range mi.Warnings {
					fmt.Fprintf(cmd.ErrOrStderr(), "fnbench: warning: %s\n", w)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "directory to write the merged run to (must not hold a run)")
	return cmd
}
