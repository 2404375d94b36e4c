// Package kubefake is client-go's fake of the part of the Kubernetes API
// that a distributed run uses (kube.API: core/v1 and batch/v1), for tests:
// the typed fakes of those two groups over one object tracker, as
// client-go's fake clientset builds them. The full fake clientset links a
// fake of every API group, several hundred packages that only lengthen the
// build.
package kubefake

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	batchv1client "k8s.io/client-go/kubernetes/typed/batch/v1"
	fakebatchv1 "k8s.io/client-go/kubernetes/typed/batch/v1/fake"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	fakecorev1 "k8s.io/client-go/kubernetes/typed/core/v1/fake"
	k8stesting "k8s.io/client-go/testing"
)

// Clientset records every action (Actions) and answers from its tracker;
// reactors prepended to it change that, as with client-go's fake
// clientset.
type Clientset struct {
	k8stesting.Fake
	tracker k8stesting.ObjectTracker
}

// New returns a fake holding objects.
func New(objects ...runtime.Object) *Clientset {
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := batchv1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	tracker := k8stesting.NewObjectTracker(scheme, serializer.NewCodecFactory(scheme).UniversalDecoder())
	for _, o := range objects {
		if err := tracker.Add(o); err != nil {
			panic(err)
		}
	}
	cs := &Clientset{tracker: tracker}
	cs.AddReactor("*", "*", k8stesting.ObjectReaction(tracker))
	return cs
}

// Tracker is the store the fake answers from.
func (c *Clientset) Tracker() k8stesting.ObjectTracker { return c.tracker }

// CoreV1 is the fake core/v1 client.
func (c *Clientset) CoreV1() corev1client.CoreV1Interface {
	return &fakecorev1.FakeCoreV1{Fake: &c.Fake}
}

// BatchV1 is the fake batch/v1 client.
func (c *Clientset) BatchV1() batchv1client.BatchV1Interface {
	return &fakebatchv1.FakeBatchV1{Fake: &c.Fake}
}
