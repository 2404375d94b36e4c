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

// A secret written literally is valid but warned of, with its position and
// never its value; one given as ${NAME} is not (issue 13, safety rails).
func TestValidateWarnsOfLiteralSecrets(t *testing.T) {
	const sentinel = "SENTINEL-LITERAL-5c2e"
	t.Setenv("FNB_KEY", "from-the-environment")
	scen := writeScenario(t, `name: lit
targets:
  - name: a
    url: https://example.invalid/api?code=`+sentinel+`q
    headers: {X-Api-Key: `+sentinel+`h, X-Other: "${FNB_KEY}", Authorization: "Bearer ${FNB_KEY}"}
  - name: b
    url: https://example.invalid/b
    auth: {type: header, name: X-Token, value: `+sentinel+`v}
traffic: {phases: [{shape: constant, rate: 1/s, duration: 1s}]}
`)
	code, out, errs := cli("validate", scen)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, want := range []string{
		":4:10: the URL's ?code= parameter is a secret written literally; write it as ${NAME}",
		":5:26: header X-Api-Key is a secret written literally",
		":8:48: the auth value is a secret written literally",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if n := strings.Count(errs, "written literally"); n != 3 {
		t.Errorf("%d warnings, want 3 (none for ${FNB_KEY}):\n%s", n, errs)
	}
	if strings.Contains(out+errs, sentinel) {
		t.Errorf("the secret reached the output:\n%s\n%s", out, errs)
	}
}

// --max-rate refuses a scenario over the ceiling before anything is sent,
// counting every target (issue 13, safety rails).
func TestMaxRateRefusesAScenarioOverTheCeiling(t *testing.T) {
	scen := writeScenario(t, "name: mr\ntargets: [{name: a, url: http://127.0.0.1:9/}, {name: b, url: http://127.0.0.1:9/}]\ntraffic: {phases: [{shape: constant, rate: 10/s, duration: 1s}, {name: spike, shape: spike, rate: 10/s, peak: 400/s, at: 200ms, hold: 100ms, duration: 1s}]}\n")
	code, _, errs := cli("run", scen, "--max-rate", "500/s", "--out", filepath.Join(t.TempDir(), "r"), "--progress", "none")
	if code != 2 || !strings.Contains(errs, "the scenario offers up to 800/s (400/s to each of 2 targets, in phase spike), above --max-rate 500/s") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	code, _, errs = cli("run", scen, "--max-rate", "fast", "--progress", "none")
	if code != 2 || !strings.Contains(errs, `--max-rate "fast" is not a rate`) {
		t.Errorf("exit %d, stderr %q", code, errs)
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
