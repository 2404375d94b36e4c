package kube

import (
	"context"
	"errors"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// undoTimeout bounds the deletions that undo a half-made submission, which
// run even when the caller's context has ended.
const undoTimeout = 30 * time.Second

// Submit creates cm, then job, in job's namespace, and makes the Job the
// ConfigMap's owner, so that deleting the Job (by hand, or its TTL after it
// finishes) deletes the ConfigMap too. It leaves both or neither: when a
// step fails it deletes what it created.
func Submit(ctx context.Context, cs API, job *batchv1.Job, cm *corev1.ConfigMap) error {
	ns := job.Namespace
	if ns == "" || cm.Namespace != ns {
		return fmt.Errorf("job namespace %q and ConfigMap namespace %q: Submit needs both set, and equal; set Spec.Namespace", ns, cm.Namespace)
	}
	created, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("ConfigMap %s/%s exists already: a run with this id was submitted before; choose another run id, or delete the old run (kubectl delete -n %s job,configmap -l %s=%s)",
			ns, cm.Name, ns, RunLabel, cm.Labels[RunLabel])
	}
	if err != nil {
		return fmt.Errorf("create ConfigMap %s/%s: %w", ns, cm.Name, err)
	}
	undoCtx := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	}

	j, err := cs.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		err = fmt.Errorf("create Job %s/%s: %w", ns, job.Name, err)
		uctx, cancel := undoCtx()
		defer cancel()
		return errors.Join(err, deleteIgnoringNotFound(uctx, cs.CoreV1().ConfigMaps(ns).Delete, "ConfigMap", ns, cm.Name, metav1.DeleteOptions{}))
	}

	// The Job's UID exists only now. No blockOwnerDeletion: it would need
	// permission to update the Job's finalizers, and nothing waits on it.
	created.OwnerReferences = append(created.OwnerReferences, metav1.OwnerReference{
		APIVersion: "batch/v1", Kind: "Job", Name: j.Name, UID: j.UID,
	})
	if _, err := cs.CoreV1().ConfigMaps(ns).Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		// Without the reference the ConfigMap would outlive the Job; a
		// run that leaks is worse than one that has to be submitted again.
		err = fmt.Errorf("make Job %s/%s the owner of its ConfigMap: %w", ns, j.Name, err)
		uctx, cancel := undoCtx()
		defer cancel()
		return errors.Join(err, deleteRun(uctx, cs, ns, j.Name, cm.Name))
	}
	return nil
}

// Cleanup deletes run runID's Job, with its pods, and its ConfigMap; what
// is gone already is no error. Call it with a context of its own when the
// one that followed the run was cancelled.
func Cleanup(ctx context.Context, cs API, ns, runID string) error {
	return deleteRun(ctx, cs, ns, JobName(runID), JobName(runID))
}

// deleteRun deletes a Job with its pods, and a ConfigMap.
func deleteRun(ctx context.Context, cs API, ns, job, configMap string) error {
	// Deleting a batch/v1 Job orphans its pods unless told otherwise, and
	// orphaned shards would go on sending.
	background := metav1.DeletePropagationBackground
	return errors.Join(
		deleteIgnoringNotFound(ctx, cs.BatchV1().Jobs(ns).Delete, "Job", ns, job, metav1.DeleteOptions{PropagationPolicy: &background}),
		deleteIgnoringNotFound(ctx, cs.CoreV1().ConfigMaps(ns).Delete, "ConfigMap", ns, configMap, metav1.DeleteOptions{}),
	)
}

// deleteIgnoringNotFound deletes an object, which may be gone already.
func deleteIgnoringNotFound(ctx context.Context, del func(context.Context, string, metav1.DeleteOptions) error, kind, ns, name string, opts metav1.DeleteOptions) error {
	if err := del(ctx, name, opts); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete %s %s/%s: %w", kind, ns, name, err)
	}
	return nil
}
