package campaign

import (
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/simenv"
	"github.com/fnbench/fnbench/scenarios"
)

const azureProfile = "azure-consumption-node"

// azureScenario forces n cold starts of the simulated Azure app with
// method, then sends a little traffic.
func azureScenario(t *testing.T, n int, method, duration string) *scenarios.Plan {
	t.Helper()
	src := `name: azure-force
seed: 1
interval: 200ms
cold_start: {force: {count: ` + itoa(n) + `, method: ` + method + `}}
targets:
  - {name: azure, url: sim://` + azureProfile + `/hello, auth: {type: azure-function-key, value: ` + sim.DefaultFunctionKey + `}}
traffic:
  phases: [{shape: constant, rate: 20/s, duration: ` + duration + `}]
`
	plan, err := scenarios.Parse("azure.yaml", []byte(src), scenarios.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func startAzureSim(t *testing.T, scale float64) *sim.Sim {
	t.Helper()
	return simtest.StartConfig(t, sim.Config{Profiles: []string{azureProfile}, TimeScale: scale, KeepTruth: true})
}

func azureOptions(t *testing.T, s *sim.Sim, plan *scenarios.Plan) (Options, *strings.Builder) {
	opt, _ := options(t, s, plan)
	log := &strings.Builder{}
	opt.Log, opt.SimAzureCredential = log, simenv.ARMCredential(s)
	return opt, log
}

// Forced cold starts on Azure Functions: each sample follows a change of
// the app's FNBENCH_COLD_NONCE setting through Resource Manager, which
// restarts the app; N of N samples are cold by the function's marker, the
// samples are a phase of their own, and the app's settings are what they
// were before, every other setting (the storage key among them) untouched
// and never written anywhere.
func TestForcedColdStartsOnAzure(t *testing.T) {
	s := startAzureSim(t, 0.01)
	before := s.AppSettings(azureProfile, "hello")
	opt, log := azureOptions(t, s, azureScenario(t, 5, "config-update", "300ms"))
	outcomes, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if len(outcomes) != 1 || len(outcomes[0].Forced) != 1 {
		t.Fatalf("outcomes %+v", outcomes)
	}
	if fr := outcomes[0].Forced[0]; fr.Cold != 5 || fr.Attempts != 5 {
		t.Errorf("forced %+v: want 5 of 5 cold in 5 attempts", fr)
	}
	run, err := analyze.Load(outcomes[0].Dir)
	if err != nil {
		t.Fatal(err)
	}
	f := run.Targets[0].Forced
	if f == nil || f.Phase.Counts.Cold != 5 || f.Phase.Counts.ColdEvidence[rundir.EvidenceMarker] != 5 {
		t.Errorf("forced phase %+v: want 5 cold by marker evidence", f)
	}
	if after := s.AppSettings(azureProfile, "hello"); !maps.Equal(before, after) {
		t.Errorf("settings not restored:\nbefore %v\nafter  %v", before, after)
	}
	o, err := rundir.ReadOriginals(opt.OutDir)
	if err != nil || !o.Restored || len(o.Targets) != 1 || o.Targets[0].AzureResourceID != sim.ARMResourceID(azureProfile, "hello") {
		t.Errorf("original-config.json %+v, %v", o, err)
	}
	if !strings.Contains(log.String(), "fnbench: restored the settings of azure") {
		t.Errorf("the log does not report the restore:\n%s", log)
	}
	noSecretIn(t, opt.OutDir, sim.SimStorageKey)
}

// A restart forces them too, and leaves the settings alone.
func TestForcedColdStartsOnAzureByRestart(t *testing.T) {
	s := startAzureSim(t, 0.01)
	before := s.AppSettings(azureProfile, "hello")
	opt, log := azureOptions(t, s, azureScenario(t, 3, "restart", "200ms"))
	outcomes, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if fr := outcomes[0].Forced[0]; fr.Cold != 3 {
		t.Errorf("forced %+v: want 3 cold", fr)
	}
	if after := s.AppSettings(azureProfile, "hello"); !maps.Equal(before, after) {
		t.Errorf("a restart changed the settings:\nbefore %v\nafter  %v", before, after)
	}
}

// Cancelling while Azure cold starts are being forced stops them and still
// puts the app's settings back.
func TestForcedColdStartsOnAzureRestoreAfterInterrupt(t *testing.T) {
	s := startAzureSim(t, 0.05)
	before := s.AppSettings(azureProfile, "hello")
	opt, log := azureOptions(t, s, azureScenario(t, 20, "config-update", "1s"))
	r := runAndCancel(t, opt, func() bool {
		n := 0
		for _, inv := range s.Truth() {
			if inv.Cold {
				n++
			}
		}
		return n >= 3
	})
	if r.err == nil || !strings.Contains(r.err.Error(), "run interrupted") {
		t.Errorf("error %v, want the run interrupted\n%s", r.err, log)
	}
	if after := s.AppSettings(azureProfile, "hello"); !maps.Equal(before, after) {
		t.Errorf("settings not restored after the interrupt:\nbefore %v\nafter  %v", before, after)
	}
}

// noSecretIn fails the test when any file under dir holds secret.
func noSecretIn(t *testing.T, dir, secret string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error { //nolint:errcheck // a walk error fails below
		if err != nil || d.IsDir() {
			return err
		}
		if b, _ := os.ReadFile(p); strings.Contains(string(b), secret) {
			t.Errorf("%s holds the secret", p)
		}
		return nil
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// An Azure app named by its URL and azure_resource_id, as a real one is,
// has its plan, instance memory and runtime read from Resource Manager
// (with the Azure credential chain, here the simulator's token), and its
// cold starts forced there.
func TestAzureAppReadFromResourceManager(t *testing.T) {
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"azure-flex-python"}, TimeScale: 0.01, KeepTruth: true})
	e, err := s.ResolveEndpoint("sim://azure-flex-python/flex-node")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := scenarios.Parse("azure.yaml", []byte(`name: azure-real
seed: 1
interval: 200ms
cold_start: {force: {count: 2}}
targets:
  - name: flex
    url: `+e.URL+`
    azure_resource_id: `+e.ARMResourceID+`
    arm_endpoint: `+e.ARMEndpoint+`
    auth: {type: azure-function-key, value: `+sim.DefaultFunctionKey+`}
traffic:
  phases: [{shape: constant, rate: 10/s, duration: 200ms}]
`), scenarios.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opt, log := azureOptions(t, s, plan)
	opt.Env.AzureCredential = func() (azcore.TokenCredential, error) { return simenv.ARMCredential(s), nil }
	outcomes, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	info, err := rundir.ReadInfo(outcomes[0].Dir)
	if err != nil {
		t.Fatal(err)
	}
	ti := info.Targets[0]
	if ti.Simulated || ti.Plan != "flex-consumption" || ti.Meta == nil || ti.Meta.MemoryMB != 2048 || ti.Meta.Source != rundir.MetaFromPlatform || ti.Meta.Runtime != "node" {
		t.Errorf("target %+v, meta %+v: want flex-consumption at 2048 MB from Resource Manager", ti, ti.Meta)
	}
	if fr := outcomes[0].Forced[0]; fr.Cold != 2 {
		t.Errorf("forced %+v", fr)
	}
}
