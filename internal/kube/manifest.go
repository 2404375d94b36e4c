package kube

import (
	"bytes"
	"encoding/json"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Manifest renders the ConfigMap and the Job as YAML documents separated
// by "---", ConfigMap first, for kubectl apply -f (or create -f). It leaves
// out what the API server fills in (status), so the manifest reads as what
// was asked for.
//
// A manifest applied with kubectl lacks the owner reference Submit adds:
// deleting the Job leaves the ConfigMap, so delete both by their label,
// kubectl delete job,configmap -l fnbench.dev/run=<run id>.
func Manifest(job *batchv1.Job, cm *corev1.ConfigMap) ([]byte, error) {
	cm = cm.DeepCopy()
	cm.APIVersion, cm.Kind = "v1", "ConfigMap"
	job = job.DeepCopy()
	job.APIVersion, job.Kind = "batch/v1", "Job"

	var b bytes.Buffer
	for i, obj := range []any{cm, job} {
		doc, err := manifestDocument(obj)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(doc)
	}
	return b.Bytes(), nil
}

// manifestDocument is one object as YAML without its status. It goes
// through JSON, as kubectl does, so that the API types' JSON tags decide
// what is written.
func manifestDocument(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber() // keep integers integers
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	delete(fields, "status")
	doc, err := yaml.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return doc, nil
}
