// Package simenv connects the built-in simulator to the attack engine: it
// resolves sim:// URLs of a running simulator into attack.SimEndpoint, with
// the simulator's own credentials, and hands those credentials to the
// Lambda control plane of a campaign. It lives apart from both because the
// simulator must not depend on the engine (the cold-start detector's tests
// drive the simulator, and the engine uses the detector).
package simenv

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/internal/azurectl"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// Resolver returns the attack.Env.Sim function for s.
func Resolver(s *sim.Sim) func(simURL string) (attack.SimEndpoint, error) {
	return func(u string) (attack.SimEndpoint, error) {
		e, err := s.ResolveEndpoint(u)
		if err != nil {
			return attack.SimEndpoint{}, err
		}
		c := s.Credentials()
		return attack.SimEndpoint{URL: e.URL, Provider: e.Provider, Plan: e.Plan, Region: e.Region, Kind: e.Kind,
			MemoryMB: e.MemoryMB, Architecture: e.Architecture, Runtime: e.Runtime, AlwaysReady: e.AlwaysReady,
			ARMEndpoint: e.ARMEndpoint, ARMResourceID: e.ARMResourceID,
			BaseEndpoint: e.BaseEndpoint, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
	}
}

// Credentials are s's own AWS credentials, the only ones its Lambda
// control plane accepts (campaign.Options.SimCredentials).
func Credentials(s *sim.Sim) aws.CredentialsProvider {
	c := s.Credentials()
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")
}

// ARMCredential is the token s's Azure Resource Manager accepts
// (campaign.Options.SimAzureCredential).
func ARMCredential(s *sim.Sim) azcore.TokenCredential {
	return azurectl.StaticToken(s.ARMToken())
}

// Run parses a scenario whose sim:// URLs name endpoints of s and runs it
// into dir, as a test does: one call from YAML to a run directory. watch,
// when not nil, makes the run's attack.Watcher from the plan.
func Run(ctx context.Context, s *sim.Sim, scenarioYAML, dir string, watch func(*scenarios.Plan) attack.Watcher) (*attack.Outcome, error) {
	plan, err := scenarios.Parse("scenario.yaml", []byte(scenarioYAML), scenarios.LoadOptions{})
	if err != nil {
		return nil, err
	}
	targets, err := attack.TargetsFromPlan(ctx, plan, attack.Env{Sim: Resolver(s)})
	if err != nil {
		return nil, err
	}
	defer attack.CloseTargets(targets)
	o := attack.Options{Plan: plan, Targets: targets, OutDir: dir, Tool: rundir.ToolInfo{Name: "fnbench", Version: "test"}}
	if watch != nil {
		o.Watch = watch(plan)
	}
	return attack.Run(ctx, o)
}
