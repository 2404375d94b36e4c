package main

import (
	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/scenarios"
)

// newSchemaCmd builds `fnbench schema`: print the JSON Schema (draft
// 2020-12) of scenario files, for editors and CI linters.
func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of scenario files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			schema, err := scenarios.JSONSchema()
			if err != nil {
				return runError(err)
			}
			_, err = cmd.OutOrStdout().Write(append(schema, '\n'))
			return err
		},
	}
}
