package kube

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"

	"github.com/fnbench/fnbench/internal/kube/kubefake"
)

const testJobUID = types.UID("6c4f0d5e-7b1a-4b8e-9d2a-1f3e5c7a9b0d")

// submitted is a fake cluster holding fourShards' Job and ConfigMap,
// submitted; the fake API server gives the Job a UID, as a real one does.
func submitted(t *testing.T, ctx context.Context) (*kubefake.Clientset, Spec) {
	t.Helper()
	cs := kubefake.New()
	cs.PrependReactor("create", "jobs", func(a k8stesting.Action) (bool, runtime.Object, error) {
		j := a.(k8stesting.CreateAction).GetObject().(*batchv1.Job).DeepCopy()
		j.UID = testJobUID
		return true, j, cs.Tracker().Create(a.GetResource(), j, a.GetNamespace())
	})
	s := fourShards()
	job, cm, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := Submit(ctx, cs, job, cm); err != nil {
		t.Fatal(err)
	}
	return cs, s
}

// cluster plays the Job controller and the kubelets on a fake clientset.
type cluster struct {
	t   *testing.T
	ctx context.Context
	cs  *kubefake.Clientset
	s   Spec
}

// startPods creates the Job's pods, Pending, as the Job controller would.
func (c cluster) startPods() {
	for i := range c.s.Shards {
		index := strconv.Itoa(i)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name:        JobName(c.s.RunID) + "-" + index + "-x7k2p",
				Namespace:   c.s.Namespace,
				Labels:      map[string]string{RunLabel: c.s.RunID, batchv1.JobCompletionIndexAnnotation: index},
				Annotations: map[string]string{batchv1.JobCompletionIndexAnnotation: index},
			},
			Spec:   corev1.PodSpec{NodeName: "node-" + index},
			Status: corev1.PodStatus{Phase: corev1.PodPending},
		}
		if _, err := c.cs.CoreV1().Pods(c.s.Namespace).Create(c.ctx, pod, metav1.CreateOptions{}); err != nil {
			c.t.Error(err)
		}
	}
}

// setPod changes pod i's status.
func (c cluster) setPod(i int, status corev1.PodStatus) {
	pods := c.cs.CoreV1().Pods(c.s.Namespace)
	pod, err := pods.Get(c.ctx, JobName(c.s.RunID)+"-"+strconv.Itoa(i)+"-x7k2p", metav1.GetOptions{})
	if err != nil {
		c.t.Error(err)
		return
	}
	pod.Status = status
	if _, err := pods.UpdateStatus(c.ctx, pod, metav1.UpdateOptions{}); err != nil {
		c.t.Error(err)
	}
}

// finishJob gives the Job its final condition.
func (c cluster) finishJob(cond batchv1.JobCondition) {
	jobs := c.cs.BatchV1().Jobs(c.s.Namespace)
	job, err := jobs.Get(c.ctx, JobName(c.s.RunID), metav1.GetOptions{})
	if err != nil {
		c.t.Error(err)
		return
	}
	cond.Status = corev1.ConditionTrue
	job.Status.Conditions = append(job.Status.Conditions, cond)
	if _, err := jobs.UpdateStatus(c.ctx, job, metav1.UpdateOptions{}); err != nil {
		c.t.Error(err)
	}
}

// awaitReport waits for a report that satisfies ok.
func awaitReport(ctx context.Context, reports <-chan Progress, ok func(Progress) bool) bool {
	for {
		select {
		case p := <-reports:
			if ok(p) {
				return true
			}
		case <-ctx.Done():
			return false
		}
	}
}

// reporter sends Follow's reports to a channel the test reads.
func reporter(ctx context.Context) (chan Progress, func(Progress)) {
	reports := make(chan Progress, 64)
	return reports, func(p Progress) {
		select {
		case reports <- p:
		case <-ctx.Done():
		}
	}
}

func TestSubmitMakesTheJobOwnTheConfigMap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, s := submitted(t, ctx)
	var verbs []string
	for _, a := range cs.Actions() {
		verbs = append(verbs, a.GetVerb()+" "+a.GetResource().Resource)
	}
	if got := strings.Join(verbs, ", "); got != "create configmaps, create jobs, update configmaps" {
		t.Errorf("Submit did %s; want the ConfigMap created, then the Job, then the ConfigMap updated", got)
	}
	cm, err := cs.CoreV1().ConfigMaps(s.Namespace).Get(ctx, JobName(s.RunID), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := metav1.OwnerReference{APIVersion: "batch/v1", Kind: "Job", Name: JobName(s.RunID), UID: testJobUID}
	if len(cm.OwnerReferences) != 1 || cm.OwnerReferences[0] != want {
		t.Errorf("ConfigMap owners = %+v, want %+v", cm.OwnerReferences, want)
	}
}

func TestSubmitRemovesTheConfigMapWhenTheJobIsRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs := kubefake.New()
	cs.PrependReactor("create", "jobs", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(batchv1.Resource("jobs"), "", errors.New("quota exceeded"))
	})
	s := fourShards()
	job, cm, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	err = Submit(ctx, cs, job, cm)
	if err == nil || !strings.Contains(err.Error(), "quota exceeded") {
		t.Fatalf("Submit: %v, want the Job's refusal", err)
	}
	if _, err := cs.CoreV1().ConfigMaps(s.Namespace).Get(ctx, cm.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap after a refused Job: %v, want it deleted", err)
	}
}

func TestSubmitRefusesARunIDInUse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, s := submitted(t, ctx)
	job, cm, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	err = Submit(ctx, cs, job, cm)
	if err == nil || !strings.Contains(err.Error(), "choose another run id") {
		t.Errorf("Submit again: %v, want advice to choose another run id", err)
	}
}

func TestFollowReportsEachChangeUntilTheJobCompletes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, s := submitted(t, ctx)
	reports, report := reporter(ctx)
	c := cluster{t, ctx, cs, s}

	go func() {
		c.startPods()
		if !awaitReport(ctx, reports, func(p Progress) bool { return p.Pending == 4 }) {
			return
		}
		for i := range s.Shards {
			c.setPod(i, corev1.PodStatus{Phase: corev1.PodRunning})
		}
		if !awaitReport(ctx, reports, func(p Progress) bool { return p.Running == 4 }) {
			return
		}
		for i := range s.Shards {
			c.setPod(i, corev1.PodStatus{Phase: corev1.PodSucceeded})
		}
		if !awaitReport(ctx, reports, func(p Progress) bool { return p.Succeeded == 4 }) {
			return
		}
		c.finishJob(batchv1.JobCondition{Type: batchv1.JobComplete})
	}()

	p, err := Follow(ctx, cs, s.Namespace, s.RunID, report)
	if err != nil {
		t.Fatal(err)
	}
	if p.Succeeded != 4 || p.Pending+p.Running+p.Failed != 0 || len(p.Shards) != 4 {
		t.Fatalf("final progress %+v, want 4 succeeded", p)
	}
	for i, sh := range p.Shards {
		if sh.Index != i || sh.Phase != corev1.PodSucceeded || sh.Node != "node-"+strconv.Itoa(i) || !strings.HasPrefix(sh.Pod, "fnbench-checkout-20250101-"+strconv.Itoa(i)+"-") {
			t.Errorf("shard %d: %+v", i, sh)
		}
	}
}

func TestFollowNamesTheFailedShardAndWhy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, s := submitted(t, ctx)
	reports, report := reporter(ctx)
	c := cluster{t, ctx, cs, s}

	go func() {
		c.startPods()
		if !awaitReport(ctx, reports, func(p Progress) bool { return p.Pending == 4 }) {
			return
		}
		for _, i := range []int{0, 1, 3} {
			c.setPod(i, corev1.PodStatus{Phase: corev1.PodSucceeded})
		}
		c.setPod(2, corev1.PodStatus{
			Phase: corev1.PodFailed,
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "fnbench",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 3, Reason: "Error",
					Message: "upload s3://bench-results/checkout: AccessDenied: not authorized to PutObject",
				}},
			}},
		})
		c.finishJob(batchv1.JobCondition{Type: batchv1.JobFailed, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"})
	}()

	p, err := Follow(ctx, cs, s.Namespace, s.RunID, report)
	if err == nil {
		t.Fatalf("Follow: no error; progress %+v", p)
	}
	for _, want := range []string{
		"job load/fnbench-checkout-20250101 failed (BackoffLimitExceeded: Job has reached the specified backoff limit)",
		"shard 2 (pod fnbench-checkout-20250101-2-x7k2p on node-2): failed, exit code 3 (Error): upload s3://bench-results/checkout: AccessDenied",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Follow error:\n%v\nwant it to contain\n%s", err, want)
		}
	}
	if strings.Contains(err.Error(), "shard 0") {
		t.Errorf("Follow error names a shard that succeeded:\n%v", err)
	}
	if p.Failed != 1 || p.Succeeded != 3 {
		t.Errorf("final progress %+v, want 1 failed, 3 succeeded", p)
	}
}

func TestFollowSaysWhenTheJobIsGone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Follow(ctx, kubefake.New(), "load", "nosuchrun", nil)
	if err == nil || !strings.Contains(err.Error(), "job load/fnbench-nosuchrun does not exist") {
		t.Errorf("Follow: %v, want the missing Job named", err)
	}
}

func TestCleanupAfterInterruptDeletesJobAndConfigMap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, s := submitted(t, ctx)
	cluster{t, ctx, cs, s}.startPods()

	// Ctrl-C while following.
	followCtx, interrupt := context.WithCancel(ctx)
	reports, report := reporter(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := Follow(followCtx, cs, s.Namespace, s.RunID, report)
		done <- err
	}()
	if !awaitReport(ctx, reports, func(p Progress) bool { return p.Pending == 4 }) {
		t.Fatal("no report from Follow")
	}
	interrupt()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Follow after interrupt: %v, want context.Canceled", err)
		}
	case <-ctx.Done():
		t.Fatal("Follow did not return after its context was cancelled")
	}

	if err := Cleanup(ctx, cs, s.Namespace, s.RunID); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.BatchV1().Jobs(s.Namespace).Get(ctx, JobName(s.RunID), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Job after Cleanup: %v, want it gone", err)
	}
	if _, err := cs.CoreV1().ConfigMaps(s.Namespace).Get(ctx, JobName(s.RunID), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap after Cleanup: %v, want it gone", err)
	}
	var jobDeletes int
	for _, a := range cs.Actions() {
		d, ok := a.(k8stesting.DeleteAction)
		if !ok || a.GetResource().Resource != "jobs" {
			continue
		}
		jobDeletes++
		if p := d.GetDeleteOptions().PropagationPolicy; p == nil || *p != metav1.DeletePropagationBackground {
			t.Errorf("Job deleted with propagation %v, want Background so that its pods go too", p)
		}
	}
	if jobDeletes != 1 {
		t.Errorf("%d Job deletions, want 1", jobDeletes)
	}

	// Again: what is gone already is no error.
	if err := Cleanup(ctx, cs, s.Namespace, s.RunID); err != nil {
		t.Errorf("second Cleanup: %v", err)
	}
}
