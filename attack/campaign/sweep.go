package campaign

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/scenarios"
)

// step is one run of a campaign: the scenario at one memory size, into one
// run directory.
type step struct {
	memoryMB int // 0: as the functions are configured
	dir      string
}

// steps are a campaign's runs: the scenario once into out, or once per
// memory size of a sweep, each into <out>/<size>mb, in the sweep's order.
func steps(sc *scenarios.Scenario, out string) []step {
	if sc.Sweep == nil {
		return []step{{0, out}}
	}
	s := make([]step, 0, len(sc.Sweep.MemoryMB))
	for _, mb := range sc.Sweep.MemoryMB {
		s = append(s, step{mb, filepath.Join(out, fmt.Sprintf("%dmb", mb))})
	}
	return s
}

// runSteps runs the steps in turn until one fails or ctx is cancelled.
func (c *campaign) runSteps(ctx context.Context, force *attack.Force) ([]*attack.Outcome, error) {
	var results []*attack.Outcome
	for _, st := range steps(&c.opt.Plan.Scenario, c.opt.OutDir) {
		if ctx.Err() != nil {
			break
		}
		res, err := c.runStep(ctx, st, force)
		if res != nil {
			results = append(results, res)
		}
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// runStep sets the step's memory size, if it has one, runs the scenario
// and hands the outcome to Options.Finished.
func (c *campaign) runStep(ctx context.Context, st step, force *attack.Force) (*attack.Outcome, error) {
	if st.memoryMB > 0 {
		if err := c.resize(ctx, st.memoryMB); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(c.log, "fnbench: running %s → %s\n", c.opt.Plan.Scenario.Name, st.dir)
	var watch attack.Watcher
	if c.opt.Watch != nil {
		watch = c.opt.Watch()
	}
	res, err := attack.Run(ctx, attack.Options{
		Plan:     c.opt.Plan,
		Targets:  c.targets,
		OutDir:   st.dir,
		Tool:     c.opt.Tool,
		Progress: c.opt.Progress,
		Abort:    c.opt.Abort,
		Force:    force,
		Shard:    c.opt.Shard,
		StartAt:  c.opt.StartAt,
		Clock:    c.opt.Clock,
		Upload:   c.opt.Upload,
		Watch:    watch,
	})
	if err != nil && res == nil {
		return nil, err
	}
	// A run that failed part-way (a full disk) is still summarised from
	// what it recorded, before its error ends the campaign.
	if c.opt.Finished != nil {
		if ferr := c.opt.Finished(res); ferr != nil && err == nil {
			err = ferr
		}
	}
	fmt.Fprintf(c.log, "fnbench: run directory %s\n", res.Dir)
	return res, err
}

// resize sets every function's memory for a sweep step and reads their
// configuration again, so that the step's run directory records the size
// that was measured.
func (c *campaign) resize(ctx context.Context, mb int) error {
	fmt.Fprintf(c.log, "fnbench: sweep: setting memory to %d MB\n", mb)
	if err := c.lambda.setMemory(ctx, mb); err != nil {
		return c.redacted(err)
	}
	c.lambda.describe(ctx, c.log)
	return nil
}
