package campaign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/lambdactl"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// controlPlane is the Lambda control plane of a campaign's aws-lambda
// targets: it reads each function's configuration into its target's
// metadata, forces cold starts (force.go), sets memory sizes for a sweep,
// and puts back what it changed.
type controlPlane struct {
	plan      *scenarios.Plan
	targets   []attack.Target
	clients   map[int]*lambdactl.Client // by target index
	originals map[int]lambdactl.Original
	apps      map[int]*azureApp // Azure Functions targets forced through Resource Manager (azure.go)
	nonce     atomic.Int64
	runID     string
	outDir    string // where the originals are recorded (rundir.OriginalsFile)
}

// newControlPlane makes a control-plane client for every aws-lambda target
// that is signed (the Runtime Interface Emulator has no control plane),
// with the same credentials as its invocations.
func newControlPlane(ctx context.Context, opt Options, targets []attack.Target) (*controlPlane, error) {
	cp := &controlPlane{plan: opt.Plan, targets: targets, clients: map[int]*lambdactl.Client{},
		originals: map[int]lambdactl.Original{}, runID: opt.RunID, outDir: opt.OutDir}
	for i := range opt.Plan.Scenario.Targets {
		st := &opt.Plan.Scenario.Targets[i]
		if st.Kind != scenarios.KindAWSLambda || st.Auth.Type != scenarios.AuthAWSSigV4 {
			continue
		}
		c, err := newClient(ctx, opt, st, &targets[i])
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", st.Name, err)
		}
		cp.clients[i] = c
	}
	apps, err := newAzureApps(opt, targets)
	if err != nil {
		return nil, err
	}
	cp.apps = apps
	return cp, nil
}

// newClient is the control-plane client of one aws-lambda target: the
// simulator's own credentials and endpoint for a simulated function, else
// the AWS chain and the scenario's endpoint, if any.
func newClient(ctx context.Context, opt Options, st *scenarios.Target, t *attack.Target) (*lambdactl.Client, error) {
	if t.Simulated {
		if opt.SimCredentials == nil {
			return nil, errors.New("no credentials for the built-in simulator's control plane (campaign.Options.SimCredentials)")
		}
		return lambdactl.New(aws.Config{Region: t.Region, Credentials: opt.SimCredentials}, t.Endpoint), nil
	}
	load := opt.Env.AWSConfig
	if load == nil {
		load = attack.LoadAWSConfig
	}
	cfg, err := load(ctx, st.Auth.Profile, t.Region)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	endpoint := ""
	if strings.HasPrefix(st.Endpoint, "http") {
		endpoint = st.Endpoint
	}
	return lambdactl.New(cfg, endpoint), nil
}

// controlled are the indexes of the targets with a control plane, in the
// plan's order.
func (cp *controlPlane) controlled() []int { return slices.Sorted(maps.Keys(cp.clients)) }

// describe reads each function's configuration into its target's metadata.
// When it cannot (no permission, or any other failure, which the run's own
// requests will then show too), the scenario's memory_mb and architecture
// stand, with a note, also written to w, saying why.
func (cp *controlPlane) describe(ctx context.Context, w io.Writer) {
	cp.describeAzure(ctx, w)
	for _, i := range cp.controlled() {
		t := &cp.targets[i]
		conf, err := cp.clients[i].Metadata(ctx, t.Function, t.Qualifier)
		if err != nil {
			t.Meta.Note = "lambda:GetFunctionConfiguration failed; memory and architecture come from the scenario: " + cp.plan.Redactor.Redact(err.Error())
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
// changes anything: in memory, for the restore at the end, and in the run
// directory (rundir.OriginalsFile), for `fnbench restore` after a kill.
func (cp *controlPlane) snapshot(ctx context.Context) error {
	rec := &rundir.Originals{}
	for _, i := range cp.controlled() {
		t := &cp.targets[i]
		o, err := cp.clients[i].Snapshot(ctx, t.Function)
		if err != nil {
			return fmt.Errorf("target %q: %w", t.Name, err)
		}
		cp.originals[i] = o
		ot := rundir.OriginalTarget{Target: t.Name, Function: t.Function, Region: t.Region, Simulated: t.Simulated,
			Profile: cp.plan.Scenario.Targets[i].Auth.Profile, MemoryMB: o.MemoryMB}
		if strings.HasPrefix(t.Endpoint, "http") {
			ot.Endpoint = t.Endpoint
		}
		if v, ok := o.Environment[lambdactl.NonceVariable]; ok {
			ot.Nonce = &v
		}
		rec.Targets = append(rec.Targets, ot)
	}
	if err := cp.snapshotAzure(ctx, rec); err != nil {
		return err
	}
	if len(rec.Targets) == 0 {
		return nil
	}
	return rundir.WriteOriginals(cp.outDir, rec)
}

// warnLeftovers warns of functions that carry FNBENCH_COLD_NONCE: a run
// killed while it forced cold starts left it there.
func (cp *controlPlane) warnLeftovers(ctx context.Context, w io.Writer) {
	cp.warnAzureLeftovers(ctx, w)
	for _, i := range cp.controlled() {
		t := &cp.targets[i]
		if _, ok, err := cp.clients[i].Nonce(ctx, t.Function); err == nil && ok {
			fmt.Fprintf(w, "fnbench: warning: target %s: function %s carries %s, left by a run that was killed while it forced cold starts; `fnbench restore RUN` on that run's directory puts the function back (or remove the variable by hand)\n",
				t.Name, t.Function, lambdactl.NonceVariable)
		}
	}
}

// setMemory sets every function's memory size (a sweep step).
func (cp *controlPlane) setMemory(ctx context.Context, mb int) error {
	for _, i := range cp.controlled() {
		if err := cp.clients[i].SetMemory(ctx, cp.targets[i].Function, mb); err != nil {
			return fmt.Errorf("target %q: %w", cp.targets[i].Name, err)
		}
	}
	return nil
}

// restore puts back every function's original configuration, even after
// Ctrl-C (lambdactl.Client.Restore does not take cancellation from ctx).
// It says on w what it restored; the error says what it failed to.
func (cp *controlPlane) restore(ctx context.Context, w io.Writer) error {
	var errs []error
	for _, i := range slices.Sorted(maps.Keys(cp.originals)) {
		t := &cp.targets[i]
		if err := cp.clients[i].Restore(ctx, t.Function, cp.originals[i]); err != nil {
			errs = append(errs, fmt.Errorf("target %q: restoring the original configuration: %w", t.Name, err))
			continue
		}
		fmt.Fprintf(w, "fnbench: restored the configuration of %s\n", t.Function)
	}
	changed := len(cp.originals) > 0
	for _, a := range cp.apps {
		changed = changed || a.taken
	}
	errs = append(errs, cp.restoreAzure(ctx, w)...)
	restored := changed && len(errs) == 0
	cp.originals = map[int]lambdactl.Original{}
	if restored {
		if o, err := rundir.ReadOriginals(cp.outDir); err == nil {
			o.Restored = true
			errs = append(errs, rundir.WriteOriginals(cp.outDir, o))
		}
	}
	return errors.Join(errs...)
}
