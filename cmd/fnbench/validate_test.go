package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// runSubcommand runs a sub-command built directly (newRoot does not register it
// yet) and returns its output, the exit code execute would map the error
// to, and the error.
func runSubcommand(t *testing.T, cmd *cobra.Command, args ...string) (string, int, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	code := exitOK
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		code = exitUsage
	}
	return out.String(), code, err
}

func TestValidatePrintsPlan(t *testing.T) {
	out, code, err := runSubcommand(t, newValidateCmd(), "../../scenarios/examples/local-ramp.yaml")
	if err != nil || code != exitOK {
		t.Fatalf("validate: code %d, err %v", code, err)
	}
	for _, want := range []string{"local-ramp", "warm-up", "sim://aws-go-hello/hello", "2220"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateSetOverride(t *testing.T) {
	out, _, err := runSubcommand(t, newValidateCmd(), "../../scenarios/examples/local-ramp.yaml",
		"--set", "targets.lambda.url=http://127.0.0.1:9000/a,b", "--set", "seed=7")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "http://127.0.0.1:9000/a,b") || !regexp.MustCompile(`(?m)^seed\s+7$`).MatchString(out) {
		t.Errorf("override not applied:\n%s", out)
	}
}

func TestValidateInvalidExits2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("name: bad\nrat: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, code, err := runSubcommand(t, newValidateCmd(), path)
	if code != exitUsage {
		t.Fatalf("code = %d, want %d (err %v)", code, exitUsage, err)
	}
	if !strings.Contains(err.Error(), path+":2:1: unknown key \"rat\"") {
		t.Errorf("error lacks the positioned message:\n%v", err)
	}
}

func TestValidateMissingFileExits2(t *testing.T) {
	_, code, _ := runSubcommand(t, newValidateCmd(), filepath.Join(t.TempDir(), "none.yaml"))
	if code != exitUsage {
		t.Fatalf("code = %d, want %d", code, exitUsage)
	}
}

// An endless input stops at its cap, with exit 2 and the cap in the
// message, instead of growing without bound (issue 13, fault 3).
func TestValidateDevZeroExits2(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	code, _, errs := cli("validate", "/dev/zero")
	if code != 2 || !strings.Contains(errs, "/dev/zero: the scenario file is larger than fnbench reads (its cap is 4 MiB)") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// A sim:// URL naming no profile of the built-in simulator is bad input,
// found by validate, and by run before anything starts (exit 2, not 3).
func TestUnknownSimProfileIsBadInput(t *testing.T) {
	scen := writeScenario(t, "name: x\ntargets: [{name: a, url: sim://nope/hello}]\ntraffic: {phases: [{shape: constant, rate: 1/s, duration: 1s}]}\n")
	for _, cmd := range []string{"validate", "run"} {
		code, _, errs := cli(cmd, scen, "--progress", "none")
		if cmd == "validate" {
			code, _, errs = cli(cmd, scen)
		}
		if code != 2 || !strings.Contains(errs, `no profile "nope"`) {
			t.Errorf("%s: exit %d, want 2\n%s", cmd, code, errs)
		}
	}
}
