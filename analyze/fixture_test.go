package analyze

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/simenv"
)

// The committed simulator run (simFixture) has everything the analysis
// reads: REPORT billing and evidence (an aws-lambda target), marker
// evidence and instance ids (a function URL), an Azure Consumption target
// priced by estimate, steps and a spike.

var writeFixture = flag.Bool("fixture", false, "rewrite "+simFixture+" by running its scenario against the simulator")

const simFixtureScenario = `
name: sim-fixture
seed: 3
interval: 500ms
cold_start: {detect: auto}
targets:
  - {name: invoke, kind: aws-lambda, function: hello, endpoint: sim://aws-go-hello, payload: '{"n":{{seq}}}', architecture: x86_64}
  - {name: url, url: sim://aws-go-hello/hello, memory_mb: 128, architecture: x86_64}
  - {name: azure, url: sim://azure-consumption-node/hello, auth: {type: azure-function-key, value: fnbench-sim-function-key}}
traffic:
  phases:
    - {name: warm-up, shape: constant, rate: 20/s, duration: 2s}
    - {name: stairs, shape: steps, rate: 20/s, to: 80/s, steps: 3, duration: 3s}
    - {name: idle, shape: pause, duration: 1s}
    - {name: spike, shape: spike, rate: 20/s, peak: 300/s, at: 500ms, hold: 1s, duration: 3s}
`

// TestWriteSimFixture rewrites the committed simulator run when asked:
//
//	go test ./analyze -run TestWriteSimFixture -fixture
//
// The golden summary (testdata/run-sim.json) must then be updated with
// -update, deliberately.
func TestWriteSimFixture(t *testing.T) {
	if !*writeFixture {
		t.Skip("rewrites " + simFixture + " only with -fixture")
	}
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"aws-go-hello", "azure-consumption-node"}, TimeScale: 0.5, Seed: 3})
	tmp := filepath.Join(t.TempDir(), "run")
	runScenario(t, s, simFixtureScenario, tmp)
	if err := os.RemoveAll(simFixture); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(simFixture, os.DirFS(tmp)); err != nil {
		t.Fatal(err)
	}
}

// runScenario runs a scenario with sim:// URLs resolved by s into dir.
func runScenario(t *testing.T, s *sim.Sim, src, dir string) {
	t.Helper()
	if _, err := simenv.Run(context.Background(), s, src, dir, nil); err != nil {
		t.Fatal(err)
	}
}
