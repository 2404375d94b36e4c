package kube

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Progress is a distributed run's pods at one moment, as Follow reports it.
type Progress struct {
	// Pending, Running, Succeeded and Failed count the run's pods by
	// phase; a pod in phase Unknown (its node unreachable) is in Shards
	// alone.
	Pending, Running, Succeeded, Failed int
	// Shards has one entry per pod, by index.
	Shards []ShardState
}

// ShardState is one shard's pod.
type ShardState struct {
	// Index is the pod's completion index, from 0: the shard it runs; -1
	// if the pod has none.
	Index int
	// Pod is the pod's name, for kubectl logs.
	Pod string
	// Phase is the pod's phase.
	Phase corev1.PodPhase
	// Node is the node the pod was scheduled on, "" before then.
	Node string
	// Reason and Message say why a pod failed (its container's reason,
	// such as Error or OOMKilled, and termination message: fnbench's last
	// log lines; or the pod's, such as Evicted) or why it is still
	// pending (Unschedulable, ErrImagePull, CreateContainerConfigError…).
	Reason, Message string
	// ExitCode is the fnbench container's exit status once it has
	// terminated, 0 before.
	ExitCode int32
}

// followInterval is how often Follow asks the API server for the Job and
// its pods. Two requests per interval even for a thousand shards; a watch
// would add reconnections and resource versions to handle, for progress
// no one reads faster.
var followInterval = 2 * time.Second

// followPatience is how long Follow keeps asking through errors the API
// server may recover from (timeouts, throttling, a connection lost).
const followPatience = time.Minute

// maxListedShards is how many failed shards Follow's error names.
const maxListedShards = 10

// Follow reports run runID's progress to report (when it is not nil) each
// time it changes, until the Job has finished or ctx ends, and returns the
// last. Its error says why the Job failed and which shards failed how; or
// that ctx ended, or that the Job is gone.
func Follow(ctx context.Context, cs API, ns, runID string, report func(Progress)) (Progress, error) {
	name := JobName(runID)
	selector := metav1.ListOptions{LabelSelector: RunLabel + "=" + runID}
	var (
		last      Progress
		reported  bool
		failingAt time.Time // the first of consecutive failed polls
	)
	tick := time.NewTicker(followInterval)
	defer tick.Stop()
	for {
		// The Job before its pods: pods listed after the Job finished
		// show how they finished.
		job, err := cs.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		var pods *corev1.PodList
		if err == nil {
			pods, err = cs.CoreV1().Pods(ns).List(ctx, selector)
		}
		switch {
		case ctx.Err() != nil:
			return last, ctx.Err()
		case apierrors.IsNotFound(err):
			return last, fmt.Errorf("job %s/%s does not exist (any more): it was deleted, or the run id or namespace is wrong", ns, name)
		case err != nil && !retriable(err):
			return last, fmt.Errorf("follow job %s/%s: %w", ns, name, err)
		case err != nil:
			if failingAt.IsZero() {
				failingAt = time.Now()
			} else if time.Since(failingAt) > followPatience {
				return last, fmt.Errorf("follow job %s/%s: no answer for %v: %w", ns, name, followPatience, err)
			}
		default:
			failingAt = time.Time{}
			p := progressOf(pods.Items)
			if !reported || !p.equal(last) {
				last, reported = p, true
				if report != nil {
					report(p)
				}
			}
			if finished, failure := jobFinished(job); finished {
				if failure != "" {
					return last, failedError(ns, name, failure, last)
				}
				return last, nil
			}
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-tick.C:
		}
	}
}

// retriable says whether the API server may answer the next poll.
func retriable(err error) bool {
	return !apierrors.IsForbidden(err) && !apierrors.IsUnauthorized(err) &&
		!apierrors.IsBadRequest(err) && !apierrors.IsInvalid(err) && !apierrors.IsMethodNotSupported(err)
}

// jobFinished says whether the Job has finished, and if it failed, why.
// Complete and Failed are the final conditions; SuccessCriteriaMet and
// FailureTarget come earlier, while pods still terminate.
func jobFinished(job *batchv1.Job) (finished bool, failure string) {
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return true, ""
		case batchv1.JobFailed:
			return true, cmp.Or(strings.TrimSpace(c.Reason+": "+c.Message), "failed")
		}
	}
	return false, ""
}

// failedError names the Job's failure and its failed shards; when none
// failed (the deadline passed, say), the shards that had not finished.
func failedError(ns, name, failure string, p Progress) error {
	var lines []string
	pick := func(s ShardState) bool { return s.Phase == corev1.PodFailed }
	if p.Failed == 0 {
		pick = func(s ShardState) bool { return s.Phase != corev1.PodSucceeded }
	}
	n := 0
	for _, s := range p.Shards {
		if !pick(s) {
			continue
		}
		if n++; n <= maxListedShards {
			lines = append(lines, s.describe())
		}
	}
	if n > maxListedShards {
		lines = append(lines, fmt.Sprintf("and %d more", n-maxListedShards))
	}
	head := fmt.Sprintf("job %s/%s failed (%s)", ns, name, failure)
	if len(lines) == 0 {
		return errors.New(head)
	}
	return errors.New(head + "\n" + strings.Join(lines, "\n"))
}

// describe is a shard's line in Follow's error.
func (s ShardState) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shard %d (pod %s", s.Index, s.Pod)
	if s.Node != "" {
		fmt.Fprintf(&b, " on %s", s.Node)
	}
	fmt.Fprintf(&b, "): %s", strings.ToLower(string(cmp.Or(s.Phase, "unknown"))))
	if s.ExitCode != 0 {
		fmt.Fprintf(&b, ", exit code %d", s.ExitCode)
	}
	if s.Reason != "" {
		fmt.Fprintf(&b, " (%s)", s.Reason)
	}
	if msg := strings.TrimSpace(s.Message); msg != "" {
		// A termination message may be fnbench's last log lines.
		b.WriteString(": " + strings.ReplaceAll(msg, "\n", "\n    "))
	}
	return b.String()
}

// progressOf counts pods by phase and describes each.
func progressOf(pods []corev1.Pod) Progress {
	var p Progress
	for i := range pods {
		pod := &pods[i]
		switch pod.Status.Phase {
		case corev1.PodPending:
			p.Pending++
		case corev1.PodRunning:
			p.Running++
		case corev1.PodSucceeded:
			p.Succeeded++
		case corev1.PodFailed:
			p.Failed++
		}
		p.Shards = append(p.Shards, shardState(pod))
	}
	slices.SortFunc(p.Shards, func(a, b ShardState) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), strings.Compare(a.Pod, b.Pod))
	})
	return p
}

// equal says whether two progresses would read the same.
func (p Progress) equal(q Progress) bool {
	return p.Pending == q.Pending && p.Running == q.Running && p.Succeeded == q.Succeeded &&
		p.Failed == q.Failed && slices.Equal(p.Shards, q.Shards)
}

// shardState is one pod's index, phase, node, and what it says about why
// it failed or waits.
func shardState(pod *corev1.Pod) ShardState {
	s := ShardState{Index: completionIndex(pod), Pod: pod.Name, Phase: pod.Status.Phase, Node: pod.Spec.NodeName}
	c := fnbenchStatus(pod)
	switch {
	case c != nil && c.State.Terminated != nil:
		t := c.State.Terminated
		s.ExitCode, s.Reason, s.Message = t.ExitCode, t.Reason, t.Message
	case c != nil && c.State.Waiting != nil && c.State.Waiting.Reason != "ContainerCreating":
		s.Reason, s.Message = c.State.Waiting.Reason, c.State.Waiting.Message
	}
	if s.Reason == "" && s.Message == "" {
		s.Reason, s.Message = pod.Status.Reason, pod.Status.Message
	}
	if s.Reason == "" && pod.Status.Phase == corev1.PodPending {
		for _, cond := range pod.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse {
				s.Reason, s.Message = cond.Reason, cond.Message
			}
		}
	}
	return s
}

// fnbenchStatus is the status of the pod's fnbench container, nil before
// the kubelet reports it.
func fnbenchStatus(pod *corev1.Pod) *corev1.ContainerStatus {
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == containerName {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// completionIndex is the shard a pod runs: the Job controller writes it in
// an annotation, and since Kubernetes 1.28 in a label too.
func completionIndex(pod *corev1.Pod) int {
	v, ok := pod.Labels[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		v, ok = pod.Annotations[batchv1.JobCompletionIndexAnnotation]
	}
	if i, err := strconv.Atoi(v); ok && err == nil && i >= 0 {
		return i
	}
	return -1
}
