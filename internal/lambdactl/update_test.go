package lambdactl

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// userVariables are withenv's own variables (testdata/lambdactl.yaml).
var userVariables = map[string]string{"DB_HOST": "db.internal", "GREETING": "hello, world", "EMPTY": ""}

// Each ForceCold keeps the function's own variables, adds the nonce, waits
// for Successful, and the next invocation is cold on a new environment
// according to the simulator's ground truth (docs/sources.md, "How others force
// cold starts"); the one after it is warm again.
func TestForceColdMakesNextInvocationCold(t *testing.T) {
	sl := startSim(t)
	ctx := context.Background()
	c := sl.client(t, "lambdactl")
	api := sl.lambdaAPI(t, "lambdactl")

	first := sl.invoke(t, api, "withenv")
	prev := sl.invoke(t, api, "withenv")
	if !first.Cold || prev.Cold || prev.Instance != first.Instance {
		t.Fatalf("before any update: %+v then %+v, want cold then warm on one environment", first, prev)
	}
	arn := configuration(t, api, "withenv").FunctionArn
	for i, name := range []string{"withenv", "withenv:$LATEST", *arn} {
		nonce := "run-" + string(rune('a'+i))
		if err := c.ForceCold(ctx, name, nonce); err != nil {
			t.Fatalf("ForceCold(%q, %q): %v", name, nonce, err)
		}
		cfg := configuration(t, api, "withenv")
		want := maps.Clone(userVariables)
		want[NonceVariable] = nonce
		if cfg.LastUpdateStatus != types.LastUpdateStatusSuccessful || !maps.Equal(variables(cfg), want) {
			t.Errorf("after ForceCold %d: status %s, variables %v; want Successful, %v", i, cfg.LastUpdateStatus, variables(cfg), want)
		}
		cold := sl.invoke(t, api, "withenv")
		if !cold.Cold || cold.Instance == prev.Instance {
			t.Errorf("invocation after ForceCold %d: cold %v on %s (before: %s), want cold on a new environment", i, cold.Cold, cold.Instance, prev.Instance)
		}
		warm := sl.invoke(t, api, "withenv")
		if warm.Cold || warm.Instance != cold.Instance {
			t.Errorf("second invocation after ForceCold %d: cold %v on %s, want warm on %s", i, warm.Cold, warm.Instance, cold.Instance)
		}
		prev = warm
	}
}

// ForceCold refuses what would not start a new environment: a published
// version or alias, and the nonce already set. Neither changes anything.
func TestForceColdRefusesWhatWouldStayWarm(t *testing.T) {
	sl := startSim(t)
	ctx := context.Background()
	c := sl.client(t, "lambdactl")
	for _, name := range []string{"withenv:live", "withenv:3", "111122223333:function:withenv:live", "arn:aws:lambda:eu-west-1:111122223333:function:withenv:live"} {
		before := sl.requests.n.Load()
		err := c.ForceCold(ctx, name, "x")
		if err == nil || !strings.Contains(err.Error(), "only to $LATEST") {
			t.Errorf("ForceCold(%q): %v, want a refusal naming $LATEST", name, err)
		}
		if n := sl.requests.n.Load() - before; n != 0 {
			t.Errorf("ForceCold(%q) sent %d requests, want none", name, n)
		}
	}
	if err := c.ForceCold(ctx, "withenv", ""); err == nil {
		t.Error("ForceCold with an empty nonce succeeded")
	}

	if err := c.ForceCold(ctx, "withenv", "same"); err != nil {
		t.Fatal(err)
	}
	api := sl.lambdaAPI(t, "lambdactl")
	modified := configuration(t, api, "withenv").LastModified
	err := c.ForceCold(ctx, "withenv", "same")
	if err == nil || !strings.Contains(err.Error(), "fresh nonce") {
		t.Errorf("ForceCold with the nonce already set: %v, want a refusal", err)
	}
	if now := configuration(t, api, "withenv").LastModified; *now != *modified {
		t.Errorf("refused ForceCold updated the function (LastModified %s, was %s)", *now, *modified)
	}
}

// Restore after ForceCold and SetMemory gives back the variables and memory
// exactly, though its context was cancelled before it began (Ctrl-C).
func TestRestoreAfterForceColdAndSetMemory(t *testing.T) {
	sl := startSim(t)
	c := sl.client(t, "lambdactl")
	api := sl.lambdaAPI(t, "lambdactl")
	ctx := context.Background()

	orig, err := c.Snapshot(ctx, "withenv")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Original{Environment: userVariables, MemoryMB: 256}); !maps.Equal(orig.Environment, want.Environment) || orig.MemoryMB != want.MemoryMB {
		t.Fatalf("Snapshot = %+v, want %+v", orig, want)
	}
	if err := c.ForceCold(ctx, "withenv", "n1"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetMemory(ctx, "withenv", 1024); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Metadata(ctx, "withenv", ""); err != nil || m.MemoryMB != 1024 {
		t.Fatalf("after SetMemory: %d MB, %v", m.MemoryMB, err)
	}
	if got := sl.invoke(t, api, "withenv"); !got.Cold || got.MemoryMB != 1024 {
		t.Errorf("invocation after SetMemory: cold %v at %d MB, want cold at 1024 MB", got.Cold, got.MemoryMB)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Restore(cancelled, "withenv", orig); err != nil {
		t.Fatalf("Restore with a cancelled context: %v", err)
	}
	cfg := configuration(t, api, "withenv")
	if !maps.Equal(variables(cfg), userVariables) || *cfg.MemorySize != 256 || cfg.LastUpdateStatus != types.LastUpdateStatusSuccessful {
		t.Errorf("after Restore: variables %v, %d MB, %s; want %v, 256 MB, Successful", variables(cfg), *cfg.MemorySize, cfg.LastUpdateStatus, userVariables)
	}

	// Nothing left to put back: one read, no update.
	before := sl.requests.n.Load()
	if err := c.Restore(cancelled, "withenv", orig); err != nil {
		t.Fatal(err)
	}
	if n := sl.requests.n.Load() - before; n != 1 {
		t.Errorf("Restore of an unchanged function sent %d requests, want 1 read", n)
	}
}

// A function without variables of its own gets none back: Restore clears
// the nonce rather than leaving an empty-handed update.
func TestRestoreClearsVariablesTheFunctionNeverHad(t *testing.T) {
	sl := startSim(t)
	ctx := context.Background()
	c := sl.client(t, "aws-go-hello")
	api := sl.lambdaAPI(t, "aws-go-hello")
	orig, err := c.Snapshot(ctx, "hello")
	if err != nil || orig.Environment != nil || orig.MemoryMB != 128 {
		t.Fatalf("Snapshot = %+v, %v; want no variables, 128 MB", orig, err)
	}
	if err := c.ForceCold(ctx, "hello", "n1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Restore(ctx, "hello", orig); err != nil {
		t.Fatal(err)
	}
	if cfg := configuration(t, api, "hello"); len(variables(cfg)) != 0 || *cfg.MemorySize != 128 {
		t.Errorf("after Restore: variables %v, %d MB; want none, 128 MB", variables(cfg), *cfg.MemorySize)
	}
	if err := c.Restore(ctx, "hello", Original{}); err == nil {
		t.Error("Restore of an empty Original succeeded")
	}
}

// Ctrl-C while ForceCold waits: the update goes on at Lambda, and Restore
// (with the cancelled context) waits for it, then puts the function back.
func TestRestoreAfterInterruptedForceCold(t *testing.T) {
	sl := startSim(t)
	c := sl.client(t, "lambdactl")
	ctx, cancel := context.WithCancel(context.Background())
	orig, err := c.Snapshot(ctx, "slowupdate")
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	if err := c.ForceCold(ctx, "slowupdate", "n1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted ForceCold: %v, want context.Canceled", err)
	}
	before := sl.requests.n.Load()
	if err := c.Restore(ctx, "slowupdate", orig); err != nil {
		t.Fatalf("Restore after the interruption: %v", err)
	}
	if statuses := sl.requests.answered(before); !slices.Contains(statuses, http.StatusConflict) {
		t.Errorf("Restore was answered %v; the update still in progress should have refused it once with 409", statuses)
	}
	cfg := configuration(t, sl.lambdaAPI(t, "lambdactl"), "slowupdate")
	if want := map[string]string{"MODE": "production"}; !maps.Equal(variables(cfg), want) || cfg.LastUpdateStatus != types.LastUpdateStatusSuccessful {
		t.Errorf("after Restore: variables %v, %s; want %v, Successful", variables(cfg), cfg.LastUpdateStatus, want)
	}
}

// SetMemory checks Lambda's range before asking, and to the size the
// function has already changes nothing.
func TestSetMemory(t *testing.T) {
	sl := startSim(t)
	ctx := context.Background()
	c := sl.client(t, "lambdactl")
	for _, mb := range []int{0, 127, 10241} {
		if err := c.SetMemory(ctx, "withenv", mb); err == nil || !strings.Contains(err.Error(), "128–10240 MB") {
			t.Errorf("SetMemory(%d): %v, want a range error", mb, err)
		}
	}
	before := sl.requests.n.Load()
	if err := c.SetMemory(ctx, "withenv", 256); err != nil {
		t.Fatal(err)
	}
	if n := sl.requests.n.Load() - before; n != 1 {
		t.Errorf("SetMemory to the current size sent %d requests, want 1 read", n)
	}
	if err := c.SetMemory(ctx, "withenv", 10240); err != nil {
		t.Fatal(err)
	}
	if m, _ := c.Metadata(ctx, "withenv", ""); m.MemoryMB != 10240 {
		t.Errorf("after SetMemory(10240): %d MB", m.MemoryMB)
	}
}
