package campaign

import (
	"context"
	"fmt"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// force is the attack.Force that collects count cold samples from every
// aws-lambda target, each prepared by a configuration update (a new
// environment-variable nonce, the update finished) that makes the next
// invocation start a new execution environment (internal/lambdactl's
// package comment says why that works), and from every Azure Functions
// target with a Resource Manager control, each prepared by a new nonce
// app setting or a restart (internal/azurectl).
func (cp *controlPlane) force(count int) (*attack.Force, error) {
	f := &attack.Force{Count: count}
	for i, st := range cp.plan.Scenario.Targets {
		if cp.apps[i] != nil {
			f.Targets = append(f.Targets, i)
			continue
		}
		if st.Kind != scenarios.KindAWSLambda {
			continue
		}
		if cp.clients[i] == nil {
			return nil, fmt.Errorf("target %q: forcing cold starts updates the function's configuration, which needs auth aws-sigv4 and a Lambda control plane (the Runtime Interface Emulator has none)", st.Name)
		}
		f.Targets = append(f.Targets, i)
	}
	if len(f.Targets) == 0 {
		return nil, errNoTarget
	}
	f.Prepare = func(ctx context.Context, i int) error {
		nonce := fmt.Sprintf("%s-%d", cp.runID, cp.nonce.Add(1))
		if cp.apps[i] != nil {
			return cp.forceAzure(ctx, i, nonce)
		}
		return cp.clients[i].ForceCold(ctx, cp.targets[i].Function, nonce)
	}
	return f, nil
}

// judgeForced fails a target that gave fewer cold samples than asked,
// with the reason: the error that stopped it, or the warm samples that
// used up its attempts.
func judgeForced(fr rundir.ForcedResult) error {
	if fr.Cold >= fr.Wanted {
		return nil
	}
	why := fr.Error
	if why == "" {
		why = fmt.Sprintf("%d of %d invocations after a configuration update were warm", fr.Warm, fr.Attempts)
	}
	return fmt.Errorf("target %q: %d of %d forced cold starts: %s", fr.Target, fr.Cold, fr.Wanted, why)
}
