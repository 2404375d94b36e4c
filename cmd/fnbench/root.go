package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, as the README's "CLI reference" documents them.
const (
	exitOK        = 0
	exitGate      = 1 // a threshold or regression gate failed
	exitUsage     = 2 // bad usage or invalid input
	exitRunFailed = 3 // the run itself failed
)

// exitError carries the exit code a failure maps to. Sub-commands wrap their
// errors with usageError or runError, or return a gate failure (exit 1,
// gateFailed); an unwrapped error comes
// from cobra itself (unknown command or flag, wrong argument count), which is
// bad usage.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(err error) error { return &exitError{exitUsage, err} }
func runError(err error) error   { return &exitError{exitRunFailed, err} }

// newRoot builds the command tree. Output streams are parameters so tests
// can run the CLI in-process.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "fnbench",
		Short:         "Load testing and cold-start benchmarking for serverless endpoints",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(flagError(err)) })
	root.AddCommand(
		newRunCmd(),
		newValidateCmd(),
		newReportCmd(),
		newCheckCmd(),
		newCompareCmd(),
		newCostCmd(),
		newMergeCmd(),
		newDistributeCmd(),
		newRestoreCmd(),
		newDemoCmd(),
		newSchemaCmd(),
		newSimCmd(),
		newVersionCmd(),
	)
	return root
}

// execute runs the CLI and maps the outcome to an exit code. It never lets a
// panic or a stack trace reach the user.
func execute(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "fnbench: internal error: %v\nPlease report this with the command you ran.\n", r)
			if os.Getenv("FNBENCH_DEBUG_PANIC") != "" {
				stderr.Write(debug.Stack())
			}
			code = exitRunFailed
		}
	}()
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "fnbench: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// Cobra's own errors (unknown command, wrong argument count) are usage errors.
	return exitUsage
}

// badNumberRE matches pflag's message for a value that does not parse as
// the flag's number type.
var badNumberRE = regexp.MustCompile(`^invalid argument "(.*)" for "(.*)" flag: strconv\.Parse(Int|Uint|Float): .*$`)

// flagError says in words what a flag wanted, instead of strconv's message.
func flagError(err error) error {
	m := badNumberRE.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	want := map[string]string{"Int": "a whole number", "Uint": "a whole number from 0", "Float": "a number"}[m[3]]
	name := m[2]
	if i := strings.LastIndex(name, "--"); i >= 0 {
		name = name[i:]
	}
	return fmt.Errorf("%s wants %s (in range), not %q", name, want, m[1])
}
