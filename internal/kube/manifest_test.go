package kube

import (
	"bytes"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/yaml"

	"github.com/fnbench/fnbench/internal/golden"
)

func TestManifestIsReadyForKubectlApply(t *testing.T) {
	job, cm, err := Build(fourShards())
	if err != nil {
		t.Fatal(err)
	}
	m, err := Manifest(job, cm)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "checkout-4-shards.yaml", m)
	for _, noise := range []string{"status:", "creationTimestamp"} {
		if bytes.Contains(m, []byte(noise)) {
			t.Errorf("manifest contains %q", noise)
		}
	}
}

func TestManifestDecodesToTheObjectsBuilt(t *testing.T) {
	job, cm, err := Build(fourShards())
	if err != nil {
		t.Fatal(err)
	}
	m, err := Manifest(job, cm)
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(m, []byte("\n---\n"))
	if len(docs) != 2 {
		t.Fatalf("manifest has %d documents, want 2 (ConfigMap, Job)", len(docs))
	}
	var gotCM corev1.ConfigMap
	if err := yaml.UnmarshalStrict(docs[0], &gotCM); err != nil {
		t.Fatalf("first document: %v", err)
	}
	var gotJob batchv1.Job
	if err := yaml.UnmarshalStrict(docs[1], &gotJob); err != nil {
		t.Fatalf("second document: %v", err)
	}
	if gotCM.Kind != "ConfigMap" || gotCM.APIVersion != "v1" || gotJob.Kind != "Job" || gotJob.APIVersion != "batch/v1" {
		t.Errorf("kinds %s %s, %s %s; want v1 ConfigMap, then batch/v1 Job", gotCM.APIVersion, gotCM.Kind, gotJob.APIVersion, gotJob.Kind)
	}
	if !apiequality.Semantic.DeepEqual(&gotCM, cm) {
		t.Errorf("ConfigMap decoded from the manifest differs:\n%+v\nbuilt:\n%+v", gotCM, *cm)
	}
	if !apiequality.Semantic.DeepEqual(&gotJob, job) {
		t.Errorf("Job decoded from the manifest differs:\n%+v\nbuilt:\n%+v", gotJob, *job)
	}
}
