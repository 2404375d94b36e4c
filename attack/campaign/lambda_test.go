package campaign

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/internal/rundir"
)

// A plain run (nothing forced, nothing swept) records the function's
// configuration as Lambda reports it, and changes nothing on the function.
func TestPlainRunRecordsTheConfigurationAndChangesNothing(t *testing.T) {
	s := startSim(t, 0.01)
	before := configOf(t, s)
	opt, log := options(t, s, lambdaScenario(t, "", "20/s", "200ms"))
	meta := firstTargetMeta(t, opt)
	if meta == nil || meta.Source != rundir.MetaFromPlatform || meta.MemoryMB != before.MemoryMB || meta.Runtime == "" || meta.Arch == "" {
		t.Errorf("metadata %+v, want what GetFunctionConfiguration says", meta)
	}
	checkRestored(t, s, before)
	if strings.Contains(log.String(), "restored") {
		t.Errorf("a plain run restored a configuration it should not have changed:\n%s", log)
	}
}

// When the configuration cannot be read, the run goes on with the
// scenario's memory and architecture, and a note (in run.json and the log)
// says why.
func TestUnreadableConfigurationFallsBackToTheScenario(t *testing.T) {
	s := startSim(t, 0.01)
	plan := lambdaScenario(t, "", "10/s", "200ms")
	plan.Scenario.Targets[0].MemoryMB, plan.Scenario.Targets[0].Arch = 512, "arm64"
	opt, log := options(t, s, plan)
	opt.SimCredentials = credentials.NewStaticCredentialsProvider(sim.DefaultAccessKeyID, "not-the-simulators-secret", "")
	meta := firstTargetMeta(t, opt)
	const why = "lambda:GetFunctionConfiguration failed; memory and architecture come from the scenario"
	if meta == nil || meta.MemoryMB != 512 || meta.Arch != "arm64" || !strings.HasPrefix(meta.Note, why) {
		t.Errorf("metadata %+v, want the scenario's 512 MB arm64 with a note", meta)
	}
	if !strings.Contains(log.String(), "fnbench: target lambda: "+why) {
		t.Errorf("the log does not say why:\n%s", log)
	}
}
