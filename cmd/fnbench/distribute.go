package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/attack/campaign"
	"github.com/fnbench/fnbench/internal/kube"
	"github.com/fnbench/fnbench/internal/objstore"
	"github.com/fnbench/fnbench/internal/rundir"
	"github.com/fnbench/fnbench/scenarios"
)

// Executors of fnbench distribute.
const (
	executorKubernetes = "kubernetes"
	executorLocal      = "local"
)

type distributeFlags struct {
	shards     int
	executor   string
	upload     string
	out        string
	sets       []string
	startDelay time.Duration
	startAt    string
	runID      string
	dryRun     bool
	// Kubernetes
	image, pullPolicy       string
	namespace               string
	kubeconfig, kubeContext string
	cpu, memory             string
	spread                  string
	serviceAccount          string
	envFrom                 []string
	nodeSelector            []string
	gate                    gateFlags
}

// kubeClient connects to the cluster; tests replace it with a fake.
var kubeClient = kube.Client

func newDistributeCmd() *cobra.Command {
	var f distributeFlags
	cmd := &cobra.Command{
		Use:   "distribute SCENARIO.yaml --shards N (--executor local | --image IMAGE --upload URL)",
		Short: "Run a scenario as N shards on Kubernetes or local processes, and merge them into one run",
		Long: `Distribute runs one scenario as N shards that split its arrival schedule
exactly (fnbench run --shard i/N), all starting their clocks at one agreed
instant (--start-at, now + --start-delay), then merges the shards into one
run directory (--out), prints its summary and shard table, and judges its
thresholds as fnbench run does.

--executor kubernetes (the default) submits a Kubernetes Indexed Job:
completionMode Indexed, parallelism = completions = N, the scenario in a
ConfigMap, resource requests and pod anti-affinity to spread the shards
across nodes. Each pod runs fnbench run --shard $(JOB_COMPLETION_INDEX)/N
--shard-base 0 --start-at T --upload URL, streaming its run directory to
object storage (--upload s3://bucket/prefix or azblob://account/container/prefix)
as it goes; fnbench follows the pods and merges from the upload when they
finish. It uses your kubeconfig (or the pod's service account). --dry-run
prints the manifest instead.

--executor local runs the N shards as processes on this machine through the
same start barrier, upload (when --upload is given) and merge: to try the
flow, or to use several cores' worth of processes.

Ctrl-C stops the shards (the Job and its ConfigMap are deleted) and merges
what they recorded, each interrupted shard marked partial.

Exit codes: 0 success, 1 a threshold failed on the merged run, 2 bad usage,
3 the run failed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return distribute(cmd.Context(), args[0], f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.shards, "shards", 0, "how many shards (pods, or local processes) split the schedule; at least 2")
	fl.StringVar(&f.executor, "executor", executorKubernetes, "where the shards run: kubernetes or local")
	fl.StringVar(&f.upload, "upload", "", "object storage the shards stream their run directories to, and the merge pulls from: s3://bucket/prefix or azblob://account/container/prefix (required on Kubernetes)")
	fl.StringVarP(&f.out, "out", "o", "", "the merged run directory (default runs/<run-id>); the shards' own directories go under it, in shards/")
	fl.StringArrayVar(&f.sets, "set", nil, "override a scenario field, as path=value (repeatable), in every shard")
	fl.DurationVar(&f.startDelay, "start-delay", 0, "how long after now the shards start, to give them time to be scheduled, pull the image and warm up (default 2m on Kubernetes, 5s locally)")
	fl.StringVar(&f.startAt, "start-at", "", "the instant every shard starts, RFC 3339 (instead of now + --start-delay): for a --dry-run manifest applied later")
	fl.StringVar(&f.runID, "run-id", "", "the run's id: names the Job (fnbench-<id>) and the upload's prefix (default <scenario>-<start time>)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the Kubernetes manifest (ConfigMap and Job) and submit nothing")
	fl.StringVar(&f.image, "image", "", "Kubernetes: the fnbench container image (see the Dockerfile)")
	fl.StringVar(&f.pullPolicy, "image-pull-policy", "", "Kubernetes: Always, IfNotPresent or Never (default: the cluster's)")
	fl.StringVarP(&f.namespace, "namespace", "n", "", "Kubernetes: the namespace (default: the kubeconfig context's)")
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "Kubernetes: the kubeconfig file (default $KUBECONFIG, then ~/.kube/config, then in-cluster)")
	fl.StringVar(&f.kubeContext, "context", "", "Kubernetes: the kubeconfig context (default the current one)")
	fl.StringVar(&f.cpu, "cpu", "2", "Kubernetes: each pod's CPU request (no limit: throttling would delay the schedule)")
	fl.StringVar(&f.memory, "memory", "1Gi", "Kubernetes: each pod's memory request and limit")
	fl.StringVar(&f.spread, "spread", kube.SpreadPreferred, "Kubernetes: keep shards on different nodes when possible (preferred) or always (required)")
	fl.StringVar(&f.serviceAccount, "service-account", "", "Kubernetes: the pods' service account, for cloud credentials bound to it (IRSA, workload identity)")
	fl.StringArrayVar(&f.envFrom, "env-from-secret", nil, "Kubernetes: a Secret whose keys become the pods' environment (credentials, ${VAR}s of the scenario); repeatable")
	fl.StringArrayVar(&f.nodeSelector, "node-selector", nil, "Kubernetes: run the pods on nodes with this label, as key=value; repeatable")
	f.gate.register(cmd)
	return cmd
}

// distribute is fnbench distribute: check everything, start the shards,
// wait for them, merge, and judge the merged run.
func distribute(ctx context.Context, path string, f distributeFlags, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	plan, err := scenarios.Load(path, scenarios.LoadOptions{Sets: f.sets})
	if err != nil {
		return usageError(err)
	}
	if f.shards < 2 {
		return usageError(fmt.Errorf("--shards %d: want 2 or more (one shard is fnbench run)", f.shards))
	}
	if _, err := campaign.ParseShard(fmt.Sprintf("1/%d", f.shards), 1, plan); err != nil {
		return usageError(err)
	}
	checks, err := f.gate.options(plan.Scenario.Thresholds)
	if err != nil {
		return usageError(err)
	}
	var loc objstore.Location
	if f.upload != "" {
		if loc, err = objstore.Parse(f.upload); err != nil {
			return usageError(fmt.Errorf("--upload: %w", err))
		}
	}
	delay := f.startDelay
	switch f.executor {
	case executorKubernetes:
		if f.image == "" || f.upload == "" {
			return usageError(errors.New("--executor kubernetes needs --image (an fnbench image: see the Dockerfile) and --upload (where the pods put their run directories): the pods' own storage is gone when they end"))
		}
		if delay == 0 {
			delay = 2 * time.Minute
		}
		// The scenario goes into a ConfigMap, which anyone who may read the
		// namespace can read, and --dry-run prints it.
		if len(plan.Literals) > 0 {
			return usageError(fmt.Errorf("%s\nOn Kubernetes the scenario is stored in a ConfigMap, readable by anyone who can read the namespace: write the secret as ${NAME}, put NAME in a Secret, and pass --env-from-secret SECRET", plan.Literals[0]))
		}
		for _, f := range plan.Files {
			if f.Secret {
				return usageError(fmt.Errorf("%s:%d:%d: value_file %s holds a secret, and on Kubernetes the files a scenario reads travel in a ConfigMap, readable by anyone who can read the namespace: write the secret as value: ${NAME}, put NAME in a Secret, and pass --env-from-secret SECRET",
					path, f.Line, f.Column, f.Path))
			}
		}
	case executorLocal:
		if f.dryRun {
			return usageError(errors.New("--dry-run prints a Kubernetes manifest: leave it out with --executor local"))
		}
		if delay == 0 {
			delay = 5 * time.Second
		}
	default:
		return usageError(fmt.Errorf("--executor %q: want kubernetes or local", f.executor))
	}
	if delay < 0 {
		return usageError(fmt.Errorf("--start-delay %s is negative", delay))
	}
	// The start on a whole second: the run id carries it.
	startAt := time.Now().Add(delay).Truncate(time.Second).Add(time.Second).UTC()
	if f.startAt != "" {
		if startAt, err = parseStartAt(f.startAt); err != nil {
			return usageError(err)
		}
		startAt = startAt.UTC()
	}
	runID := f.runID
	if runID == "" {
		runID = distributedRunID(plan.Scenario.Name, startAt)
	}
	if err := checkRunID(runID); err != nil {
		return usageError(err)
	}
	out := f.out
	if out == "" {
		out = filepath.Join("runs", runID)
	}
	if !f.dryRun {
		if _, err := os.Stat(filepath.Join(out, rundir.RunFile)); err == nil {
			return usageError(fmt.Errorf("--out %s already holds a run; choose another directory", out))
		}
	}
	d := &distribution{f: f, plan: plan, path: path, runID: runID, startAt: startAt, out: out, loc: loc,
		stdout: stdout, stderr: stderr}
	ctx, abort, stopSignals := interruptible(ctx, stderr)
	defer stopSignals()
	var dirs []string
	if f.executor == executorLocal {
		dirs, err = d.runLocal(ctx, abort)
	} else {
		if f.dryRun {
			return d.manifest()
		}
		err = d.runKubernetes(ctx)
	}
	if err != nil {
		return err
	}
	return d.merge(context.WithoutCancel(ctx), dirs, checks)
}

// distribution is one fnbench distribute.
type distribution struct {
	f              distributeFlags
	plan           *scenarios.Plan
	path           string
	runID          string
	startAt        time.Time
	out            string
	loc            objstore.Location // zero without --upload
	stdout, stderr io.Writer
}

// shardArgs is fnbench run for one shard, as every executor starts it,
// less the shard itself.
func (d *distribution) shardArgs() []string {
	a := []string{"--start-at", d.startAt.Format(time.RFC3339Nano), "--run-id", d.runID}
	if d.f.upload != "" {
		a = append(a, "--upload", d.f.upload)
	}
	for _, s := range d.f.sets {
		a = append(a, "--set", s)
	}
	return a
}

// runLocal runs the shards as child processes of this program, each with
// its own process group so that only fnbench signals them: the first
// Ctrl-C asks each to stop and drain, a second to abandon its requests. It
// returns the shards' run directories.
func (d *distribution) runLocal(ctx context.Context, abort <-chan struct{}) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, runError(fmt.Errorf("cannot find fnbench's own program to start the shards: %w", err))
	}
	shardsDir := filepath.Join(d.out, "shards")
	if d.f.upload != "" {
		// The merge reads the shards back from the upload, as on
		// Kubernetes; their local directories are scratch.
		if shardsDir, err = os.MkdirTemp("", "fnbench-shards-"); err != nil {
			return nil, runError(err)
		}
		defer os.RemoveAll(shardsDir)
	}
	logs := filepath.Join(d.out, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, runError(err)
	}
	fmt.Fprintf(d.stderr, "fnbench: %d shards of %s as local processes, starting at %s (in %s); logs in %s\n",
		d.f.shards, d.runID, d.startAt.Format(time.RFC3339), time.Until(d.startAt).Round(time.Second), logs)
	type child struct {
		cmd  *exec.Cmd
		name string
		log  string
		err  error
	}
	children := make([]*child, d.f.shards)
	var dirs []string
	var wg sync.WaitGroup
	for i := range children {
		s := rundir.ShardInfo{Index: i, Count: d.f.shards}
		name := shardDir(s)
		dir := filepath.Join(shardsDir, name)
		dirs = append(dirs, dir)
		args := append([]string{"run", d.path, "--shard", fmt.Sprintf("%d/%d", i+1, d.f.shards), "--out", dir,
			"--progress", "none", "--clock-source", rundir.ClockSameHost}, d.shardArgs()...)
		c := &child{cmd: exec.Command(exe, args...), name: name, log: filepath.Join(logs, name+".log")}
		lf, err := os.Create(c.log)
		if err != nil {
			return nil, runError(err)
		}
		c.cmd.Stdout, c.cmd.Stderr = lf, lf
		ownProcessGroup(c.cmd)
		if err := c.cmd.Start(); err != nil {
			lf.Close()
			for _, started := range children[:i] {
				started.cmd.Process.Kill()
			}
			return nil, runError(fmt.Errorf("starting shard %s: %w", name, err))
		}
		children[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.err = c.cmd.Wait()
			lf.Close()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	signalAll := func() {
		for _, c := range children {
			interruptProcess(c.cmd)
		}
	}
	stopping := false
wait:
	for {
		select {
		case <-done:
			break wait
		case <-ctx.Done():
			if !stopping {
				stopping = true
				signalAll()
			}
		case <-abort:
			abort = nil
			signalAll()
		}
	}
	var failed []string
	for _, c := range children {
		var exit *exec.ExitError
		switch {
		case c.err == nil:
		case errors.As(c.err, &exit) && exit.ExitCode() == exitGate:
			// A shard's checks do not fail it; shards exit 0 on them.
		default:
			failed = append(failed, fmt.Sprintf("%s (%v; see %s)", c.name, c.err, c.log))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(d.stderr, "fnbench: warning: shards that did not finish: %s; merging what they recorded\n", strings.Join(failed, ", "))
	}
	if d.f.upload != "" {
		return nil, nil // merge pulls them from the upload
	}
	return dirs, nil
}

// spec is the Kubernetes Job of the run.
func (d *distribution) spec(namespace string) (kube.Spec, error) {
	s := kube.Spec{RunID: d.runID, Namespace: namespace, Image: d.f.image, PullPolicy: corev1.PullPolicy(d.f.pullPolicy),
		Shards: d.f.shards, StartAt: d.startAt, Upload: d.f.upload, ScenarioName: filepath.Base(d.path), Sets: d.f.sets,
		Spread: d.f.spread, ServiceAccount: d.f.serviceAccount, EnvFrom: d.f.envFrom}
	var err error
	if s.Scenario, err = os.ReadFile(d.path); err != nil {
		return s, usageError(err)
	}
	// The files the scenario reads go with it, at the same paths beside
	// it (value_files were refused: they hold secrets).
	for _, f := range d.plan.Files {
		if filepath.IsAbs(f.Path) || !filepath.IsLocal(f.Path) {
			return s, usageError(fmt.Errorf("%s:%d:%d: %s is outside the scenario's directory, where the pods cannot find it: copy it beside the scenario and name it relative to it",
				d.path, f.Line, f.Column, f.Path))
		}
		b, err := os.ReadFile(filepath.Join(filepath.Dir(d.path), f.Path))
		if err != nil {
			return s, usageError(err)
		}
		if s.Files == nil {
			s.Files = map[string][]byte{}
		}
		s.Files[filepath.Clean(f.Path)] = b
	}
	if d.f.cpu != "" {
		if s.CPU, err = resource.ParseQuantity(d.f.cpu); err != nil {
			return s, usageError(fmt.Errorf("--cpu %q: want a Kubernetes quantity such as 2 or 500m", d.f.cpu))
		}
	}
	if d.f.memory != "" {
		if s.Memory, err = resource.ParseQuantity(d.f.memory); err != nil {
			return s, usageError(fmt.Errorf("--memory %q: want a Kubernetes quantity such as 1Gi or 512Mi", d.f.memory))
		}
	}
	for _, kv := range d.f.nodeSelector {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return s, usageError(fmt.Errorf("--node-selector %q: want key=value, such as kubernetes.io/arch=amd64", kv))
		}
		if s.NodeSelector == nil {
			s.NodeSelector = map[string]string{}
		}
		s.NodeSelector[k] = v
	}
	// Until the start, the run, the drain of the last requests' timeout,
	// and a margin for the merge's last uploads.
	s.Deadline = time.Until(d.startAt) + d.plan.Schedule.Duration() + maxTimeout(d.plan) + 5*time.Minute
	return s, nil
}

// objects are the run's Job and its ConfigMap in namespace ns.
func (d *distribution) objects(ns string) (*batchv1.Job, *corev1.ConfigMap, error) {
	s, err := d.spec(ns)
	if err != nil {
		return nil, nil, err
	}
	job, cm, err := kube.Build(s)
	if err != nil {
		return nil, nil, usageError(err)
	}
	return job, cm, nil
}

// manifest prints the Job and its ConfigMap as YAML (--dry-run).
func (d *distribution) manifest() error {
	ns := d.f.namespace
	if ns == "" {
		ns = "default"
	}
	job, cm, err := d.objects(ns)
	if err != nil {
		return err
	}
	y, err := kube.Manifest(job, cm)
	if err != nil {
		return runError(err)
	}
	_, err = d.stdout.Write(y)
	return err
}

// runKubernetes submits the Job, follows its pods until they finish, and
// deletes the Job if the run is interrupted.
func (d *distribution) runKubernetes(ctx context.Context) error {
	cs, ns, err := kubeClient(d.f.kubeconfig, d.f.kubeContext)
	if err != nil {
		return usageError(err)
	}
	if d.f.namespace != "" {
		ns = d.f.namespace
	}
	job, cm, err := d.objects(ns)
	if err != nil {
		return err
	}
	if err := kube.Submit(ctx, cs, job, cm); err != nil {
		return runError(err)
	}
	fmt.Fprintf(d.stderr, "fnbench: submitted Job %s/%s: %d shards starting at %s (in %s); kubectl get pods -n %s -l %s=%s\n",
		ns, kube.JobName(d.runID), d.f.shards, d.startAt.Format(time.RFC3339), time.Until(d.startAt).Round(time.Second), ns, kube.RunLabel, d.runID)
	_, err = kube.Follow(ctx, cs, ns, d.runID, func(p kube.Progress) {
		fmt.Fprintf(d.stderr, "fnbench: shards: %d pending, %d running, %d succeeded, %d failed\n", p.Pending, p.Running, p.Succeeded, p.Failed)
	})
	if ctx.Err() != nil {
		return d.cleanupKubernetes(cs, ns)
	}
	if err != nil {
		// A failed shard leaves what it uploaded: merge it, marked partial.
		fmt.Fprintf(d.stderr, "fnbench: warning: %v; merging what the shards uploaded\n", err)
	}
	return nil
}

// cleanupKubernetes deletes an interrupted run's Job, with its pods, and
// its ConfigMap; the merge then takes what the shards uploaded.
func (d *distribution) cleanupKubernetes(cs kube.API, ns string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := kube.Cleanup(ctx, cs, ns, d.runID); err != nil {
		return runError(fmt.Errorf("interrupted, and deleting Job %s/%s failed: %w; delete it with kubectl delete -n %s job,configmap -l %s=%s",
			ns, kube.JobName(d.runID), err, ns, kube.RunLabel, d.runID))
	}
	fmt.Fprintf(d.stderr, "fnbench: interrupted: deleted Job %s/%s and its pods; merging what the shards uploaded\n", ns, kube.JobName(d.runID))
	return nil
}

// merge merges the shards, from dirs or else from the upload, into d.out,
// prints the merged run's summary with its shard table, and judges it.
func (d *distribution) merge(ctx context.Context, dirs []string, checks analyze.CheckOptions) error {
	var err error
	if dirs == nil {
		if dirs, err = fetchShards(ctx, d.loc.Join(d.runID), filepath.Join(d.out, "shards"), d.stderr); err != nil {
			return err
		}
	}
	info, warnings, err := analyze.Merge(d.out, dirs)
	if err != nil {
		var we *rundir.WriteError
		if errors.As(err, &we) {
			return runError(err)
		}
		return runError(fmt.Errorf("merging the shards: %w", err))
	}
	for _, w := range warnings {
		fmt.Fprintf(d.stderr, "fnbench: note: %s\n", w)
	}
	fmt.Fprintf(d.stderr, "fnbench: merged %d shards into %s (status %s)\n", len(dirs), d.out, info.Status)
	gate := &runGate{checks: checks, w: d.stdout}
	if err := gate.finished(&attack.Outcome{Dir: d.out}); err != nil {
		return runError(err)
	}
	return gate.err()
}

// fetchShards pulls every shard of the run at loc into dir/<shard>, and
// returns their directories. A shard without its completion mark was
// killed: it is merged as it stands, and merge marks it partial.
func fetchShards(ctx context.Context, loc objstore.Location, dir string, stderr io.Writer) ([]string, error) {
	st, err := objstore.Open(ctx, loc)
	if err != nil {
		return nil, runError(err)
	}
	names, err := objstore.ListDirs(ctx, st)
	if err != nil {
		return nil, runError(fmt.Errorf("listing %s: %w", loc, err))
	}
	var dirs []string
	for _, name := range names {
		if !strings.HasPrefix(name, "shard-") {
			continue
		}
		sub, err := objstore.Open(ctx, loc.Join(name))
		if err != nil {
			return nil, runError(err)
		}
		local := filepath.Join(dir, name)
		complete, err := objstore.Fetch(ctx, sub, local)
		if err != nil {
			return nil, runError(fmt.Errorf("downloading %s: %w", loc.Join(name), err))
		}
		if !complete {
			fmt.Fprintf(stderr, "fnbench: note: %s has no completion mark: its shard was killed or is still running; merging what it uploaded\n", loc.Join(name))
		}
		dirs = append(dirs, local)
	}
	if len(dirs) == 0 {
		return nil, usageError(fmt.Errorf("%s holds no shards (shard-I-of-N/): check the URL and the run id, as fnbench run --upload printed it", loc))
	}
	return dirs, nil
}

// maxTimeout is the longest request timeout of the plan's targets: how
// long the last requests may keep a shard busy after its schedule ends.
func maxTimeout(plan *scenarios.Plan) time.Duration {
	var m time.Duration
	for _, t := range plan.Scenario.Targets {
		m = max(m, t.Timeout)
	}
	return m
}
