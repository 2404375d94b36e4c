package campaign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// Options is one campaign: what to run, where to write it, and what the
// caller wants to hear about it.
type Options struct {
	Plan *scenarios.Plan
	// OutDir is the run directory to create; a memory sweep creates one
	// per size beneath it instead, <OutDir>/<size>mb.
	OutDir string
	// RunID goes into the nonces that force cold starts, so that they
	// differ from any an earlier campaign set.
	RunID string
	Tool  rundir.ToolInfo
	Shard rundir.ShardInfo // from ParseShard; the zero value is the whole run
	// StartAt, Clock and Upload go to the run as attack.Options has them
	// (a shard of a distributed run).
	StartAt time.Time
	Clock   rundir.ClockInfo
	Upload  string

	// Env resolves the targets (attack.TargetsFromPlan): the running
	// simulator and the credential chains. The Lambda control plane loads
	// its AWS configuration through Env.AWSConfig too, as the invocations
	// do.
	Env attack.Env
	// SimCredentials sign control-plane calls to the Lambda functions of
	// the built-in simulator (targets that Env.Sim resolved), which accepts
	// only its own credentials.
	SimCredentials aws.CredentialsProvider
	// SimAzureCredential authenticates to the built-in simulator's Azure
	// Resource Manager (forced cold starts on its Azure apps).
	SimAzureCredential azcore.TokenCredential

	Progress *attack.Progress // live progress of each run; nil for none
	// Abort, when closed, abandons requests in flight (attack.Options.Abort).
	Abort <-chan struct{}
	// Finished, when set, is called after each run (one, or one per memory
	// size of a sweep) with its outcome, to summarise it; an error stops
	// the campaign, and the configuration is restored all the same.
	Finished func(*attack.Outcome) error
	// Watch, when set, makes a watcher for each run (attack.Options.Watch):
	// a threshold marked abort stops a run early.
	Watch func() attack.Watcher
	// Before, when set, is shown the targets as run.json will describe
	// them (their functions' configuration read) before anything is sent
	// or changed; an error stops the campaign (fnbench run's cost
	// estimate and --max-cost).
	Before func(targets []rundir.TargetInfo) error
	// Log receives a line, prefixed "fnbench: ", for each thing the
	// campaign does to a function or a run directory; nil discards them.
	Log io.Writer
}

// campaign is one call of Run, after its targets are resolved.
type campaign struct {
	opt     Options
	targets []attack.Target
	lambda  *controlPlane
	log     io.Writer
}

// Run resolves the plan's targets and runs the scenario: once, or once per
// memory size of a sweep, each run collecting forced cold starts first when
// the scenario asks for them. Any configuration it changed on a function is
// put back before it returns, even when ctx was cancelled or a run failed;
// cancelling ctx stops sending and marks the run interrupted, as in
// attack.Run.
//
// It returns the outcome of every run it finished, and an error when a run
// could not be made or written, did not complete, or forced fewer cold
// starts than asked. Errors carry none of the scenario's secrets.
func Run(ctx context.Context, opt Options) ([]*attack.Outcome, error) {
	c, err := start(ctx, opt)
	if err != nil {
		return nil, err
	}
	defer attack.CloseTargets(c.targets)
	results, err := c.run(ctx)
	if err != nil {
		return results, err
	}
	return results, judge(results)
}

// start resolves the targets and reads their functions' configuration.
func start(ctx context.Context, opt Options) (*campaign, error) {
	c := &campaign{opt: opt, log: opt.Log}
	if c.log == nil {
		c.log = io.Discard
	}
	targets, err := attack.TargetsFromPlan(ctx, opt.Plan, opt.Env)
	if err != nil {
		return nil, c.redacted(err)
	}
	if c.lambda, err = newControlPlane(ctx, opt, targets); err != nil {
		attack.CloseTargets(targets)
		return nil, c.redacted(err)
	}
	c.targets = targets
	c.lambda.describe(ctx, c.log)
	c.lambda.warnLeftovers(ctx, c.log)
	if opt.Before != nil {
		if err := opt.Before(attack.TargetInfos(opt.Plan, targets)); err != nil {
			attack.CloseTargets(targets)
			return nil, err
		}
	}
	return c, nil
}

// run changes the functions' configuration as the scenario asks, after a
// snapshot, runs every step, and restores the configuration, even when
// ctx is cancelled (lambdactl.Client.Restore does not take cancellation).
func (c *campaign) run(ctx context.Context) ([]*attack.Outcome, error) {
	force, err := c.prepare(ctx)
	if err != nil {
		return nil, err
	}
	results, err := c.runSteps(ctx, force)
	if rerr := c.lambda.restore(context.WithoutCancel(ctx), c.log); rerr != nil {
		err = errors.Join(err, c.redacted(rerr))
	}
	return results, err
}

// prepare records what forced cold starts and sweeps may change before
// they change anything, and returns the Force for the runs (nil when the
// scenario forces none).
func (c *campaign) prepare(ctx context.Context) (*attack.Force, error) {
	sc := &c.opt.Plan.Scenario
	if sc.ColdStart.Force == nil && sc.Sweep == nil {
		return nil, nil
	}
	if err := c.lambda.snapshot(ctx); err != nil {
		return nil, c.redacted(err)
	}
	if sc.ColdStart.Force == nil {
		return nil, nil
	}
	force, err := c.lambda.force(sc.ColdStart.Force.Count)
	if err != nil {
		return nil, c.redacted(err)
	}
	return force, nil
}

// judge fails a campaign with a run that did not complete or a target
// that gave fewer forced cold starts than asked.
func judge(results []*attack.Outcome) error {
	for _, res := range results {
		// An aborted run did what it was asked: it stopped once a threshold
		// was lost, which the gate reports.
		if res.Status != rundir.StatusComplete && res.Status != rundir.StatusAborted {
			return fmt.Errorf("run %s: %s; partial results are in %s", res.Status, res.Reason, res.Dir)
		}
		for _, fr := range res.Forced {
			if err := judgeForced(fr); err != nil {
				return err
			}
		}
	}
	return nil
}

// redacted is err with the scenario's secrets taken out of its text.
func (c *campaign) redacted(err error) error {
	return errors.New(c.opt.Plan.Redactor.Redact(err.Error()))
}
