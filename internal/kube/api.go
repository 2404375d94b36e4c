package kube

import (
	batchv1client "k8s.io/client-go/kubernetes/typed/batch/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// API is the part of the Kubernetes API a distributed run uses: Jobs, and
// ConfigMaps and pods. client-go's full clientset (and its fake) satisfies
// it; Client builds just these two groups, which keeps the other forty-odd
// API groups' clients out of the fnbench binary.
type API interface {
	CoreV1() corev1client.CoreV1Interface
	BatchV1() batchv1client.BatchV1Interface
}

// groups is the API of Client: the two typed clients on one connection.
type groups struct {
	core  corev1client.CoreV1Interface
	batch batchv1client.BatchV1Interface
}

func (g groups) CoreV1() corev1client.CoreV1Interface    { return g.core }
func (g groups) BatchV1() batchv1client.BatchV1Interface { return g.batch }
