package campaign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/azurectl"
	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// azureApp is the Resource Manager control of one Azure Functions target
// that forces cold starts: the app's id, the client, the method, and the
// nonce setting as found (restored at the end).
type azureApp struct {
	id       string
	client   *azurectl.Client
	restart  bool    // force by restarting the app instead of a nonce
	original *string // FNBENCH_COLD_NONCE as found; nil: absent
	taken    bool    // original was read (snapshot)
}

// newAzureApps makes a Resource Manager client for every Azure Functions
// target whose app fnbench can name (its azure_resource_id, or the
// simulator's): the simulator's with its own token, the others with the
// Azure credential chain. They read the apps' configuration, and force cold
// starts when the scenario asks.
func newAzureApps(opt Options, targets []attack.Target) (map[int]*azureApp, error) {
	apps := map[int]*azureApp{}
	force := opt.Plan.Scenario.ColdStart.Force
	var chain azcore.TokenCredential
	for i := range targets {
		t := &targets[i]
		if t.Provider != platform.Azure {
			continue
		}
		if t.AzureResourceID == "" {
			if force != nil {
				return nil, fmt.Errorf("target %q: forcing cold starts on Azure Functions changes the app through Resource Manager; set the target's azure_resource_id", t.Name)
			}
			continue
		}
		cred := opt.SimAzureCredential
		if !t.Simulated {
			if chain == nil {
				get := opt.Env.AzureCredential
				if get == nil {
					get = attack.DefaultAzureCredential
				}
				c, err := get()
				if err != nil {
					return nil, fmt.Errorf("target %q: the Azure credential chain: %w", t.Name, err)
				}
				chain = c
			}
			cred = chain
		}
		if cred == nil {
			return nil, fmt.Errorf("target %q: no credential for the built-in simulator's Resource Manager (campaign.Options.SimAzureCredential)", t.Name)
		}
		c, err := azurectl.New(cred, t.ARMEndpoint)
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", t.Name, err)
		}
		apps[i] = &azureApp{id: t.AzureResourceID, client: c, restart: force != nil && force.Method == scenarios.ForceRestart}
	}
	return apps, nil
}

// azureIndexes are the Azure apps' target indexes, in order.
func (cp *controlPlane) azureIndexes() []int { return slices.Sorted(maps.Keys(cp.apps)) }

// describeAzure reads each app's plan, Flex instance memory, always-ready
// instances and runtime into its target's metadata, where the scenario
// does not set them; when it may not (no permission), the scenario's
// stand, with a note.
func (cp *controlPlane) describeAzure(ctx context.Context, w io.Writer) {
	for _, i := range cp.azureIndexes() {
		a, t := cp.apps[i], &cp.targets[i]
		if t.Simulated {
			continue // the simulator's profile said it already (attack.Target.simMeta)
		}
		site, err := a.client.Site(ctx, a.id)
		if err != nil {
			t.Meta.Note = "reading the app from Resource Manager failed; plan and memory come from the scenario: " + cp.plan.Redactor.Redact(err.Error())
			if errors.Is(err, azurectl.ErrNotPermitted) {
				t.Meta.Note = "not permitted to read the app from Resource Manager (Microsoft.Web/sites/read); plan and memory come from the scenario"
			}
			fmt.Fprintf(w, "fnbench: target %s: %s\n", t.Name, t.Meta.Note)
			continue
		}
		if t.Plan == "" {
			t.Plan = map[string]string{"Dynamic": "consumption", "FlexConsumption": "flex-consumption", "ElasticPremium": "premium"}[site.SKU]
		}
		if site.InstanceMemoryMB > 0 {
			t.Meta.MemoryMB = site.InstanceMemoryMB
		}
		t.Meta.AlwaysReady = site.AlwaysReady
		if site.Runtime != "" {
			t.Meta.Runtime = site.Runtime
		}
		t.Meta.Source = rundir.MetaFromPlatform
	}
}

// snapshotAzure reads each app's nonce setting before anything changes.
func (cp *controlPlane) snapshotAzure(ctx context.Context, rec *rundir.Originals) error {
	if cp.plan.Scenario.ColdStart.Force == nil {
		return nil // only forcing changes an app
	}
	for _, i := range cp.azureIndexes() {
		a, t := cp.apps[i], &cp.targets[i]
		v, ok, err := a.client.Nonce(ctx, a.id)
		if err != nil {
			return fmt.Errorf("target %q: %w", t.Name, err)
		}
		a.original, a.taken = nil, true
		if ok {
			a.original = &v
		}
		ot := rundir.OriginalTarget{Target: t.Name, Provider: platform.Azure, AzureResourceID: a.id, Simulated: t.Simulated, Nonce: a.original}
		if t.ARMEndpoint != "" && t.ARMEndpoint != azurectl.PublicEndpoint {
			ot.ARMEndpoint = t.ARMEndpoint
		}
		rec.Targets = append(rec.Targets, ot)
	}
	return nil
}

// forceAzure makes target i's app start new instances: a new nonce
// setting, or a restart.
func (cp *controlPlane) forceAzure(ctx context.Context, i int, nonce string) error {
	a := cp.apps[i]
	if a.restart {
		return a.client.Restart(ctx, a.id)
	}
	return a.client.ForceCold(ctx, a.id, nonce)
}

// restoreAzure puts each app's nonce setting back as it was found.
func (cp *controlPlane) restoreAzure(ctx context.Context, w io.Writer) []error {
	var errs []error
	for _, i := range cp.azureIndexes() {
		a, t := cp.apps[i], &cp.targets[i]
		if !a.taken {
			continue
		}
		if err := a.client.Restore(ctx, a.id, a.original); err != nil {
			errs = append(errs, fmt.Errorf("target %q: restoring the app's settings: %w", t.Name, err))
			continue
		}
		a.taken = false
		fmt.Fprintf(w, "fnbench: restored the settings of %s\n", t.Name)
	}
	return errs
}

// warnAzureLeftovers warns of apps that carry FNBENCH_COLD_NONCE: a run
// killed while it forced cold starts left it there.
func (cp *controlPlane) warnAzureLeftovers(ctx context.Context, w io.Writer) {
	for _, i := range cp.azureIndexes() {
		a, t := cp.apps[i], &cp.targets[i]
		if _, ok, err := a.client.Nonce(ctx, a.id); err == nil && ok {
			fmt.Fprintf(w, "fnbench: warning: target %s: app %s carries the setting %s, left by a run that was killed while it forced cold starts; `fnbench restore RUN` on that run's directory puts it back (or remove the setting by hand)\n",
				t.Name, a.id, azurectl.NonceSetting)
		}
	}
}

// errNoTarget says a forced cold start reaches nothing.
var errNoTarget = errors.New("cold_start.force: no target can be forced: an aws-lambda target needs auth aws-sigv4 and a Lambda control plane; an Azure Functions target needs its azure_resource_id")
