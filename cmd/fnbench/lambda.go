package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/fnbench/fnbench/internal/rundir"
	"io"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/lambdactl"
	"github.com/fnbench/fnbench/scenarios"
)

// lambdaControl is the Lambda control plane of a run's aws-lambda targets:
// it reads each function's configuration for cost, forces cold starts and
// sets memory sizes for a sweep, and puts back what it changed.
type lambdaControl struct {
	plan      *scenarios.Plan
	clients   map[int]*lambdactl.Client // by target index
	originals map[int]lambdactl.Original
	nonce     atomic.Int64
	runID     string
}

// newLambdaControl makes a control-plane client for every aws-lambda target
// that is signed (the Runtime Interface Emulator has no control plane),
// with the same credentials as its invocations.
func newLambdaControl(ctx context.Context, plan *scenarios.Plan, targets []attack.Target, simCreds func() (string, string), runID string) (*lambdaControl, error) {
	lc := &lambdaControl{plan: plan, clients: map[int]*lambdactl.Client{}, originals: map[int]lambdactl.Original{}, runID: runID}
	for i, st := range plan.Scenario.Targets {
		t := &targets[i]
		if st.Kind != scenarios.KindAWSLambda || st.Auth.Type != scenarios.AuthAWSSigV4 {
			continue
		}
		var cfg aws.Config
		endpoint := ""
		if t.Simulated {
			id, secret := simCreds()
			cfg = aws.Config{Region: t.Region, Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")}
			endpoint = t.Endpoint
		} else {
			var err error
			if cfg, err = attack.LoadAWSConfig(ctx, st.Auth.Profile, t.Region); err != nil {
				return nil, fmt.Errorf("target %q: loading AWS configuration: %w", st.Name, err)
			}
			if strings.HasPrefix(st.Endpoint, "http") {
				endpoint = st.Endpoint
			}
		}
		lc.clients[i] = lambdactl.New(cfg, endpoint)
	}
	return lc, nil
}

// describe reads each function's configuration into its target's metadata.
// When it cannot (no permission, or any other failure, which the run's own
// requests will then show too), the scenario's memory_mb and architecture
// stand, with a note saying why.
func (lc *lambdaControl) describe(ctx context.Context, targets []attack.Target, w io.Writer) {
	for i, c := range lc.clients {
		t := &targets[i]
		conf, err := c.Metadata(ctx, t.Function, t.Qualifier)
		if err != nil {
			t.Meta.Note = "lambda:GetFunctionConfiguration failed; memory and architecture come from the scenario: " + lc.plan.Redactor.Redact(err.Error())
			if errors.Is(err, lambdactl.ErrNotPermitted) {
				t.Meta.Note = "not permitted to call lambda:GetFunctionConfiguration; memory and architecture come from the scenario"
			}
			fmt.Fprintf(w, "fnbench: target %s: %s\n", t.Name, t.Meta.Note)
			continue
		}
		t.Meta = rundir.FunctionMeta{
			Source: rundir.MetaFromPlatform, MemoryMB: conf.MemoryMB, Arch: conf.Architecture,
			Runtime: conf.Runtime, PackageType: conf.PackageType, EphemeralMB: conf.EphemeralStorageMB,
			SnapStart: conf.SnapStartOptimization == "On", Version: conf.Version,
		}
	}
}

// snapshot records what fnbench may change on every function, before it
// changes anything.
func (lc *lambdaControl) snapshot(ctx context.Context, targets []attack.Target) error {
	for i, c := range lc.clients {
		o, err := c.Snapshot(ctx, targets[i].Function)
		if err != nil {
			return fmt.Errorf("target %q: %w", targets[i].Name, err)
		}
		lc.originals[i] = o
	}
	return nil
}

// force is the attack.Force that makes the next invocation of each forced
// target cold: a new environment-variable nonce, the update finished.
func (lc *lambdaControl) force(targets []attack.Target, count int) (*attack.Force, error) {
	f := &attack.Force{Count: count}
	for i, st := range lc.plan.Scenario.Targets {
		if st.Kind != scenarios.KindAWSLambda {
			continue
		}
		if lc.clients[i] == nil {
			return nil, fmt.Errorf("target %q: forcing cold starts updates the function's configuration, which needs auth aws-sigv4 and a Lambda control plane (the Runtime Interface Emulator has none)", st.Name)
		}
		f.Targets = append(f.Targets, i)
	}
	f.Prepare = func(ctx context.Context, i int) error {
		nonce := fmt.Sprintf("%s-%d", lc.runID, lc.nonce.Add(1))
		return lc.clients[i].ForceCold(ctx, targets[i].Function, nonce)
	}
	return f, nil
}

// setMemory sets every function's memory size (a sweep step).
func (lc *lambdaControl) setMemory(ctx context.Context, targets []attack.Target, mb int) error {
	for i, c := range lc.clients {
		if err := c.SetMemory(ctx, targets[i].Function, mb); err != nil {
			return fmt.Errorf("target %q: %w", targets[i].Name, err)
		}
	}
	return nil
}

// restore puts back every function's original configuration, even after
// Ctrl-C (lambdactl.Restore does not take cancellation from ctx). It says
// on w what it restored or failed to.
func (lc *lambdaControl) restore(ctx context.Context, targets []attack.Target, w io.Writer) error {
	var errs []error
	for i, o := range lc.originals {
		if err := lc.clients[i].Restore(ctx, targets[i].Function, o); err != nil {
			errs = append(errs, fmt.Errorf("target %q: restoring the original configuration: %w", targets[i].Name, err))
			continue
		}
		fmt.Fprintf(w, "fnbench: restored the configuration of %s\n", targets[i].Function)
	}
	lc.originals = map[int]lambdactl.Original{}
	return errors.Join(errs...)
}
