package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…" (make
// build). The linker sets only a variable initialised with a constant, so
// the module version go install records is looked up apart (toolVersion).
var version = "dev"

// toolVersion is the version the build set, else the module version go
// install recorded, else "dev".
func toolVersion() string {
	if version != "dev" {
		return version
	}
	return moduleVersion(version)
}

// moduleVersion is the version go install recorded, or def.
func moduleVersion(def string) string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return def
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the fnbench version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "fnbench %s (%s, %s/%s)\n", toolVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
