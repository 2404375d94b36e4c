package campaign

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/lambdactl"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/internal/simenv"
	"github.com/fnbench/fnbench/scenarios"
)

// helloInvoke is the simulated Go function every test here drives.
const helloInvoke = "sim://aws-go-hello/hello/lambda-invoke"

// startSim starts the simulator's aws-go-hello profile with its time
// compressed by scale (a 1.5 s configuration update takes 15 ms at 0.01).
func startSim(t *testing.T, scale float64) *sim.Sim {
	t.Helper()
	return simtest.StartConfig(t, sim.Config{Profiles: []string{"aws-go-hello"}, TimeScale: scale})
}

// lambdaScenario is a scenario against the simulated hello function, with
// extra top-level YAML (cold_start:, sweep:) and a constant phase.
func lambdaScenario(t *testing.T, extra, rate, duration string) *scenarios.Plan {
	t.Helper()
	src := "name: campaign\nseed: 1\ninterval: 200ms\n" + extra + `
targets:
  - {name: lambda, kind: aws-lambda, function: hello, endpoint: sim://aws-go-hello}
traffic:
  phases: [{shape: constant, rate: ` + rate + `, duration: ` + duration + `}]
`
	plan, err := scenarios.Parse("campaign.yaml", []byte(src), scenarios.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// options are the Options fnbench run would fill for plan against s,
// writing into a fresh directory, with the log kept for the test (to read
// once Run has returned).
func options(t *testing.T, s *sim.Sim, plan *scenarios.Plan) (Options, *bytes.Buffer) {
	log := &bytes.Buffer{}
	return Options{
		Plan:           plan,
		OutDir:         filepath.Join(t.TempDir(), "run"),
		RunID:          t.Name(),
		Tool:           rundir.ToolInfo{Name: "fnbench", Version: "test"},
		Env:            attack.Env{Sim: simenv.Resolver(s)},
		SimCredentials: simenv.Credentials(s),
		Log:            log,
	}, log
}

// firstTargetMeta runs a campaign and returns the first target's function
// metadata as its run directory records it.
func firstTargetMeta(t *testing.T, opt Options) *rundir.FunctionMeta {
	t.Helper()
	outcomes, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatalf("%v\n%s", err, opt.Log)
	}
	info, err := rundir.ReadInfo(outcomes[0].Dir)
	if err != nil {
		t.Fatal(err)
	}
	return info.Targets[0].Meta
}

// configOf reads what a campaign may change on the hello function, with
// lambdactl against the simulator.
func configOf(t *testing.T, s *sim.Sim) lambdactl.Original {
	t.Helper()
	e, err := s.ResolveEndpoint(helloInvoke)
	if err != nil {
		t.Fatal(err)
	}
	c := lambdactl.New(aws.Config{Region: e.Region, Credentials: simenv.Credentials(s)}, e.BaseEndpoint)
	o, err := c.Snapshot(context.Background(), "hello")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// checkRestored fails the test when the hello function's configuration
// differs from before.
func checkRestored(t *testing.T, s *sim.Sim, before lambdactl.Original) {
	t.Helper()
	if after := configOf(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("configuration not restored: before %+v, after %+v", before, after)
	}
}

// result is what Run returned.
type result struct {
	outcomes []*attack.Outcome
	err      error
}

// runAndCancel runs a campaign, cancels its context once started says the
// campaign is far enough along (polled, since the campaign sets its own
// pace), and returns what Run returned. Both waits are bounded.
func runAndCancel(t *testing.T, opt Options, started func() bool) result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	go func() {
		outcomes, err := Run(ctx, opt)
		done <- result{outcomes, err}
	}()
	deadline := time.After(30 * time.Second)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for !started() {
		select {
		case r := <-done:
			t.Fatalf("the campaign ended before the test could interrupt it: %v\n%s", r.err, opt.Log)
		case <-deadline:
			t.Fatal("the campaign did not get far enough in 30 s")
		case <-poll.C:
		}
	}
	cancel()
	select {
	case r := <-done:
		return r
	case <-time.After(60 * time.Second):
		t.Fatal("the campaign did not return within 60 s of its cancellation")
		return result{}
	}
}

// invocations counts the simulator's invocations of hello that satisfy
// keep, from its ground truth.
func invocations(s *sim.Sim, keep func(sim.Invocation) bool) int {
	n := 0
	for _, inv := range s.Truth() {
		if inv.Function == "hello" && keep(inv) {
			n++
		}
	}
	return n
}
