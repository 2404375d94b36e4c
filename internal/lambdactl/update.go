package lambdactl

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/fnbench/fnbench/internal/platform"
)

// NonceVariable is the environment variable ForceCold changes.
const NonceVariable = "FNBENCH_COLD_NONCE"

const (
	// maxUpdateAttempts bounds how often an update refused because another
	// one is in progress is tried again.
	maxUpdateAttempts = 5
	// Polls for LastUpdateStatus start after pollFirst and back off by half
	// again each time, up to pollMax.
	pollFirst = 100 * time.Millisecond
	pollMax   = 2 * time.Second
)

// Original is the part of a function's configuration fnbench may change,
// as Snapshot found it, for Restore to put back.
type Original struct {
	Environment map[string]string // nil when the function had no variables
	MemoryMB    int
}

// Snapshot reads what ForceCold and SetMemory may change on function, so
// that Restore can put it back. It fails when Lambda cannot show the
// environment variables (a KMS key the caller may not use), since they
// could not be restored.
func (c *Client) Snapshot(ctx context.Context, function string) (Original, error) {
	fn, err := updatable(function)
	if err != nil {
		return Original{}, fmt.Errorf("snapshot: %w", err)
	}
	cur, err := c.getConfiguration(ctx, fn, "")
	if err == nil {
		err = readableEnvironment(fn, cur)
	}
	if err != nil {
		return Original{}, fmt.Errorf("snapshot of %s: %w", function, err)
	}
	o := Original{MemoryMB: int(aws.ToInt32(cur.MemorySize))}
	if cur.Environment != nil && len(cur.Environment.Variables) > 0 {
		o.Environment = maps.Clone(cur.Environment.Variables)
	}
	return o, nil
}

// ForceCold makes the next invocation of function's $LATEST start a new
// execution environment: it sets NonceVariable to nonce, keeping every
// other variable, and waits until Lambda reports the update Successful.
// nonce must differ from the one set last, or nothing would change. A
// function qualified with a version or alias other than $LATEST is
// refused (see the package comment).
func (c *Client) ForceCold(ctx context.Context, function, nonce string) error {
	fn, err := updatable(function)
	if err == nil && nonce == "" {
		err = errors.New("empty nonce")
	}
	if err != nil {
		return fmt.Errorf("forcing a cold start: %w", err)
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	err = c.update(ctx, fn, func(cur *lambda.GetFunctionConfigurationOutput, in *lambda.UpdateFunctionConfigurationInput) (bool, error) {
		vars, err := writableVariables(fn, cur)
		if err != nil {
			return false, err
		}
		if vars[NonceVariable] == nonce {
			return false, fmt.Errorf("%s is already %q, and an update that changes nothing starts no new environment: use a fresh nonce", NonceVariable, nonce)
		}
		vars[NonceVariable] = nonce
		in.Environment = &types.Environment{Variables: vars}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("forcing a cold start of %s: %w", function, err)
	}
	return nil
}

// SetMemory sets function's memory to mb (platform.LambdaMemoryOK) and waits until
// Lambda reports the update Successful. When the function already has mb
// it changes nothing, and no environment goes cold; ForceCold does that.
func (c *Client) SetMemory(ctx context.Context, function string, mb int) error {
	fn, err := updatable(function)
	if err == nil && !platform.LambdaMemoryOK(mb) {
		err = fmt.Errorf("%d MB is outside Lambda's %d–%d MB", mb, platform.LambdaMinMemoryMB, platform.LambdaMaxMemoryMB)
	}
	if err != nil {
		return fmt.Errorf("setting memory: %w", err)
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	err = c.update(ctx, fn, func(cur *lambda.GetFunctionConfigurationOutput, in *lambda.UpdateFunctionConfigurationInput) (bool, error) {
		if int(aws.ToInt32(cur.MemorySize)) == mb {
			return false, nil
		}
		in.MemorySize = aws.Int32(int32(mb))
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("setting memory of %s to %d MB: %w", function, mb, err)
	}
	return nil
}

// Restore puts function's environment variables (dropping NonceVariable
// unless o had it) and memory back to o, exactly, and waits until Lambda
// reports the update Successful; when they already match it changes
// nothing. It is what runs after Ctrl-C, so it ignores ctx's cancellation
// and deadline (keeping its values) and is bounded by the client's wait
// timeout instead.
func (c *Client) Restore(ctx context.Context, function string, o Original) error {
	fn, err := updatable(function)
	if err == nil && o.MemoryMB == 0 {
		err = errors.New("the original configuration is empty; take it with Snapshot before changing the function")
	}
	if err != nil {
		return fmt.Errorf("restoring: %w", err)
	}
	ctx, cancel := c.bounded(context.WithoutCancel(ctx))
	defer cancel()
	err = c.update(ctx, fn, func(cur *lambda.GetFunctionConfigurationOutput, in *lambda.UpdateFunctionConfigurationInput) (bool, error) {
		var vars map[string]string
		if cur.Environment != nil {
			vars = cur.Environment.Variables
		}
		readable := cur.Environment == nil || cur.Environment.Error == nil
		if readable && maps.Equal(vars, o.Environment) && int(aws.ToInt32(cur.MemorySize)) == o.MemoryMB {
			return false, nil
		}
		// An empty map, not nil: Lambda clears the variables only when
		// it is sent an Environment with no Variables.
		in.Environment = &types.Environment{Variables: map[string]string{}}
		maps.Copy(in.Environment.Variables, o.Environment)
		in.MemorySize = aws.Int32(int32(o.MemoryMB))
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("restoring %s: %w", function, err)
	}
	return nil
}

// writableVariables is a copy of the function's variables to change and
// send back, refused when Lambda cannot show them (readableEnvironment).
func writableVariables(function string, cur *lambda.GetFunctionConfigurationOutput) (map[string]string, error) {
	if err := readableEnvironment(function, cur); err != nil {
		return nil, err
	}
	vars := map[string]string{}
	if cur.Environment != nil {
		maps.Copy(vars, cur.Environment.Variables)
	}
	return vars, nil
}

// readableEnvironment refuses to go on when Lambda shows an error instead
// of a function's variables: an update would replace variables it cannot
// see.
func readableEnvironment(function string, cur *lambda.GetFunctionConfigurationOutput) error {
	if cur.Environment == nil || cur.Environment.Error == nil {
		return nil
	}
	e := cur.Environment.Error
	return fmt.Errorf("cannot see the environment variables of %s (Lambda says %s: %s), and updating them would lose them; "+
		"the credentials may need kms:Decrypt on the function's key", function, aws.ToString(e.ErrorCode), aws.ToString(e.Message))
}

// change computes an update from the function's current configuration,
// filling in; false means the function already is as wanted.
type change func(cur *lambda.GetFunctionConfigurationOutput, in *lambda.UpdateFunctionConfigurationInput) (bool, error)

// update applies a change to function ($LATEST) and waits until Lambda
// reports it Successful. It reads the configuration before each attempt,
// so a change merges into the variables as they are and carries the
// RevisionId it was computed from. An update refused because another one
// is in progress, or because the function changed since it was read, is
// tried again once the function has settled, up to maxUpdateAttempts
// times. ctx bounds all of it.
func (c *Client) update(ctx context.Context, function string, ch change) error {
	for attempt := 1; ; attempt++ {
		cur, err := c.getConfiguration(ctx, function, "")
		if err != nil {
			return err
		}
		in := &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(function), RevisionId: cur.RevisionId}
		ok, err := ch(cur, in)
		switch {
		case err != nil:
			return err
		case !ok && cur.LastUpdateStatus == types.LastUpdateStatusInProgress:
			return c.waitUpdated(ctx, function)
		case !ok:
			return nil
		}
		out, err := c.api.UpdateFunctionConfiguration(ctx, in)
		switch {
		case err == nil && out.LastUpdateStatus == types.LastUpdateStatusSuccessful:
			return nil
		case err == nil:
			return c.waitUpdated(ctx, function)
		case conflicting(err) && attempt < maxUpdateAttempts && ctx.Err() == nil:
			if _, err := c.settle(ctx, function); err != nil {
				return err
			}
		default:
			return newError(ctx, "UpdateFunctionConfiguration", function, err)
		}
	}
}

// waitUpdated waits until the last update of function is Successful, and
// fails with Lambda's reason when it is Failed.
func (c *Client) waitUpdated(ctx context.Context, function string) error {
	cur, err := c.settle(ctx, function)
	if err != nil {
		return err
	}
	if cur.LastUpdateStatus == types.LastUpdateStatusFailed {
		return fmt.Errorf("the update Failed (%s): %s", cur.LastUpdateStatusReasonCode, aws.ToString(cur.LastUpdateStatusReason))
	}
	return nil
}

// settle polls function's configuration, backing off, until its
// LastUpdateStatus is no longer InProgress, and returns that
// configuration. Throttled polls and server errors are polled again.
func (c *Client) settle(ctx context.Context, function string) (*lambda.GetFunctionConfigurationOutput, error) {
	status := types.LastUpdateStatusInProgress
	for delay := pollFirst; ; delay = min(delay*3/2, pollMax) {
		if err := sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("waiting for the update of %s to finish (LastUpdateStatus %s): %w", function, status, err)
		}
		cur, err := c.getConfiguration(ctx, function, "")
		if err != nil {
			var e *Error
			if errors.As(err, &e) && transient(e.Err) {
				continue
			}
			return nil, err
		}
		if status = cur.LastUpdateStatus; status != types.LastUpdateStatusInProgress {
			return cur, nil
		}
	}
}

// sleep waits d or until ctx is done, returning its cause.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Undo puts back what fnbench changes on function ($LATEST): its memory, to
// memoryMB, and NonceVariable, to nonce (removed when nonce is nil), and
// waits until Lambda reports the update Successful; every other variable
// stays as it is now. It is `fnbench restore`, after a run that could not
// restore the function itself (it was killed), and needs nothing but what
// the run directory recorded, which holds no variable's value but the
// nonce's. When nothing differs it changes nothing.
func (c *Client) Undo(ctx context.Context, function string, memoryMB int, nonce *string) error {
	fn, err := updatable(function)
	if err == nil && memoryMB <= 0 {
		err = errors.New("no original memory size was recorded")
	}
	if err != nil {
		return fmt.Errorf("restoring: %w", err)
	}
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	err = c.update(ctx, fn, func(cur *lambda.GetFunctionConfigurationOutput, in *lambda.UpdateFunctionConfigurationInput) (bool, error) {
		vars, err := writableVariables(fn, cur)
		if err != nil {
			return false, err
		}
		now, had := vars[NonceVariable]
		same := int(aws.ToInt32(cur.MemorySize)) == memoryMB
		switch {
		case nonce == nil:
			same = same && !had
			delete(vars, NonceVariable)
		default:
			same = same && had && now == *nonce
			vars[NonceVariable] = *nonce
		}
		if same {
			return false, nil
		}
		in.Environment = &types.Environment{Variables: vars}
		in.MemorySize = aws.Int32(int32(memoryMB))
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("restoring %s: %w", function, err)
	}
	return nil
}

// Nonce reports the NonceVariable that function's $LATEST carries, if any:
// one left there by a run that was killed while it forced cold starts.
func (c *Client) Nonce(ctx context.Context, function string) (value string, ok bool, err error) {
	fn, err := updatable(function)
	if err != nil {
		return "", false, err
	}
	cur, err := c.getConfiguration(ctx, fn, "")
	if err != nil {
		return "", false, err
	}
	if cur.Environment == nil {
		return "", false, nil
	}
	value, ok = cur.Environment.Variables[NonceVariable]
	return value, ok, nil
}
