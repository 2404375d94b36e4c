package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/azurectl"
	"github.com/fnbench/fnbench/internal/lambdactl"
	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
)

// newRestoreCmd builds `fnbench restore RUN`: put back what a run that
// forced cold starts or swept memory changed on its functions, when the
// run could not do it itself (it was killed with SIGKILL).
func newRestoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore RUN",
		Short: "Put back the functions a killed run changed (forced cold starts, memory sweeps)",
		Long: `Restore reads original-config.json, which a run that forces cold starts or
sweeps memory writes into its directory before it changes any function, and
puts each Lambda function's memory and FNBENCH_COLD_NONCE variable, and each
Azure app's FNBENCH_COLD_NONCE setting, back as they were. Every other
variable and setting is left as it is now. A run that ended in any other way
than SIGKILL restored its functions itself; restoring again changes nothing.
Credentials come from the AWS chain, with the profile and region the run used,
and from azidentity's chain for Azure.

Exit codes: 0 restored (or nothing to change), 2 no such record, 3 a
function could not be restored.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return restoreRun(cmd.Context(), args[0], cmd.OutOrStdout())
		},
	}
}

func restoreRun(ctx context.Context, dir string, w io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	rec, err := rundir.ReadOriginals(dir)
	if err != nil {
		return usageError(err)
	}
	if rec.Restored {
		fmt.Fprintln(w, "fnbench: the run restored its functions itself; checking them all the same")
	}
	var errs []error
	for _, t := range rec.Targets {
		if t.Simulated {
			fmt.Fprintf(w, "fnbench: target %s: a function of the built-in simulator lives only as long as its run; nothing to restore\n", t.Target)
			continue
		}
		if t.Provider == platform.Azure {
			if err := restoreAzureApp(ctx, t); err != nil {
				errs = append(errs, fmt.Errorf("target %q: %w", t.Target, err))
				continue
			}
			fmt.Fprintf(w, "fnbench: restored %s: setting %s %s\n", t.AzureResourceID, azurectl.NonceSetting, nonceText(t.Nonce))
			continue
		}
		cfg, err := attack.LoadAWSConfig(ctx, t.Profile, t.Region)
		if err != nil {
			errs = append(errs, fmt.Errorf("target %q: loading AWS configuration: %w", t.Target, err))
			continue
		}
		if err := lambdactl.New(cfg, t.Endpoint).Undo(ctx, t.Function, t.MemoryMB, t.Nonce); err != nil {
			errs = append(errs, fmt.Errorf("target %q: %w", t.Target, err))
			continue
		}
		fmt.Fprintf(w, "fnbench: restored %s: memory %d MB, %s %s\n", t.Function, t.MemoryMB, lambdactl.NonceVariable, nonceText(t.Nonce))
	}
	if err := errors.Join(errs...); err != nil {
		return runError(err)
	}
	rec.Restored = true
	if err := rundir.WriteOriginals(dir, rec); err != nil {
		return runError(err)
	}
	return nil
}

// restoreAzureApp puts an Azure app's FNBENCH_COLD_NONCE setting back,
// with azidentity's credential chain.
func restoreAzureApp(ctx context.Context, t rundir.OriginalTarget) error {
	cred, err := attack.DefaultAzureCredential()
	if err != nil {
		return fmt.Errorf("the Azure credential chain: %w", err)
	}
	c, err := azurectl.New(cred, t.ARMEndpoint)
	if err != nil {
		return err
	}
	return c.Restore(ctx, t.AzureResourceID, t.Nonce)
}

func nonceText(n *string) string {
	if n == nil {
		return "removed"
	}
	return "set back to what it was"
}
