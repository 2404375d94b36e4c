//go:build linux

package attack_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// A run directory on a disk that fills up mid-run: the failed write stops
// the schedule at once (sending on would spend the target for nothing),
// run.json ends failed with the reason, and the reason names the directory
// once.
func TestFullDiskStopsTheRun(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=48k"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, 0) })
	srv := okServer(t)
	plan, err := scenarios.Parse("full.yaml", []byte(`name: full
seed: 1
interval: 100ms
targets: [{name: a, url: `+srv.URL+`}, {name: b, url: `+srv.URL+`}]
traffic: {phases: [{shape: constant, rate: 300/s, duration: 30s}]}
`), scenarios.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	targets, err := attack.TargetsFromPlan(context.Background(), plan, attack.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer attack.CloseTargets(targets)
	dir := filepath.Join(mnt, "run")
	began := time.Now()
	out, err := attack.Run(context.Background(), attack.Options{Plan: plan, Targets: targets, OutDir: dir})
	took := time.Since(began)
	if err == nil || out == nil || out.Status != rundir.StatusFailed {
		t.Fatalf("outcome %+v, error %v; want a failed run", out, err)
	}
	if took > 20*time.Second {
		t.Errorf("the run went on for %v of its 30 s after the disk filled", took)
	}
	if n := strings.Count(err.Error(), "writing run directory"); n != 1 {
		t.Errorf("%q names the directory %d times", err, n)
	}
	info, rerr := rundir.ReadInfo(dir)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if info.Status != rundir.StatusFailed || !strings.Contains(info.StatusReason, "no space left") {
		t.Errorf("run.json says %s (%s), want failed: no space left", info.Status, info.StatusReason)
	}
	t.Logf("stopped after %v: %s", took.Round(time.Millisecond), info.StatusReason)
}
