package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/report"
)

func newReportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "report RUN...",
		Short: "Summarise one or more run directories",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" {
				return usageError(fmt.Errorf("--format %q is not supported yet; use text", format))
			}
			var sums []*analyze.Summary
			for _, dir := range args {
				run, err := analyze.Load(dir)
				if err != nil {
					return usageError(err)
				}
				sums = append(sums, analyze.Summarize(run))
			}
			var buf bytes.Buffer
			if err := report.Text(&buf, sums...); err != nil {
				return runError(err)
			}
			return writeOutput(cmd.OutOrStdout(), out, buf.Bytes())
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout")
	return cmd
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
