package kube

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Paths inside the pod.
const (
	containerName = "fnbench"
	entrypoint    = "/fnbench"
	scenarioDir   = "/scenario" // the ConfigMap, read-only
	workDir       = "/work"     // an emptyDir: the run directory and temporary files
)

// nonRootUser is the uid the pods run as: distroless's "nonroot", which
// fnbench's image uses.
const nonRootUser = 65532

// finishedTTL is how long a finished Job and its pods stay, for kubectl
// logs and describe, before the cluster deletes them.
const finishedTTL = 24 * time.Hour

// indexEnv is the variable an Indexed Job's pods find their completion
// index in, counted from 0.
const indexEnv = "JOB_COMPLETION_INDEX"

// Build returns the Job that runs s and the ConfigMap that carries its
// scenario, both with apiVersion and kind set, or every problem with s.
func Build(s Spec) (*batchv1.Job, *corev1.ConfigMap, error) {
	if err := s.validate(); err != nil {
		return nil, nil, err
	}
	name := JobName(s.RunID)
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Namespace, Labels: labels(s.RunID)},
		Data:       map[string]string{s.ScenarioName: string(s.Scenario)},
		// Immutable spares the API server a watch per pod; a run's
		// scenario never changes.
		Immutable: new(true),
	}
	items := configMapFiles(s, cm)
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Namespace, Labels: labels(s.RunID)},
		Spec: batchv1.JobSpec{
			CompletionMode: new(batchv1.IndexedCompletion),
			Completions:    new(int32(s.Shards)),
			Parallelism:    new(int32(s.Shards)),
			// No retries: a shard started again would send its arrivals
			// late, off the schedule every other shard keeps, and its
			// results would mix two attempts. One failed shard fails the run.
			BackoffLimit:            new(int32(0)),
			TTLSecondsAfterFinished: new(int32(finishedTTL / time.Second)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels(s.RunID)},
				Spec:       podSpec(s, name, items),
			},
		},
	}
	if s.Deadline > 0 {
		job.Spec.ActiveDeadlineSeconds = new(int64(math.Ceil(s.Deadline.Seconds())))
	}
	return job, cm, nil
}

// configMapFiles puts the files the scenario reads into cm, under keys
// file-1, file-2… (a ConfigMap key cannot hold a '/'), text in data and
// anything else in binaryData, and returns the volume's items that lay them
// out at their paths beside the scenario; nil without files, when the
// volume shows every key as a file of its name.
func configMapFiles(s Spec, cm *corev1.ConfigMap) []corev1.KeyToPath {
	if len(s.Files) == 0 {
		return nil
	}
	items := []corev1.KeyToPath{{Key: s.ScenarioName, Path: s.ScenarioName}}
	for i, path := range slices.Sorted(maps.Keys(s.Files)) {
		key := fmt.Sprintf("file-%d", i+1)
		if b := s.Files[path]; utf8.Valid(b) {
			cm.Data[key] = string(b)
		} else {
			if cm.BinaryData == nil {
				cm.BinaryData = map[string][]byte{}
			}
			cm.BinaryData[key] = b
		}
		items = append(items, corev1.KeyToPath{Key: key, Path: filepath.ToSlash(path)})
	}
	return items
}

// labels marks everything run runID creates.
func labels(runID string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":       "fnbench",
		"app.kubernetes.io/managed-by": "fnbench",
		RunLabel:                       runID,
	}
}

// podSpec is one shard's pod; the Job controller adds the completion index.
func podSpec(s Spec, configMap string, items []corev1.KeyToPath) corev1.PodSpec {
	return corev1.PodSpec{
		// Never, with the Job's backoffLimit 0: see Build.
		RestartPolicy:      corev1.RestartPolicyNever,
		ServiceAccountName: s.ServiceAccount,
		// fnbench does not call the Kubernetes API. Cloud identities bound
		// to the service account (IRSA, workload identity) project tokens
		// of their own.
		AutomountServiceAccountToken: new(false),
		NodeSelector:                 s.NodeSelector,
		Affinity:                     spread(s.Spread, s.RunID),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   new(true),
			RunAsUser:      new(int64(nonRootUser)),
			RunAsGroup:     new(int64(nonRootUser)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{
			Name:            containerName,
			Image:           s.Image,
			ImagePullPolicy: s.PullPolicy,
			Command:         []string{entrypoint},
			Args:            args(s),
			Env:             env(s),
			EnvFrom:         envFrom(s.EnvFrom),
			Resources:       resources(s.CPU, s.Memory),
			VolumeMounts: []corev1.VolumeMount{
				{Name: "scenario", MountPath: scenarioDir, ReadOnly: true},
				{Name: "work", MountPath: workDir},
			},
			// A shard that fails before it can say why in its run
			// directory still leaves its last log lines for Follow.
			TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: new(false),
				ReadOnlyRootFilesystem:   new(true),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
		}},
		Volumes: []corev1.Volume{
			{Name: "scenario", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: configMap}, Items: items},
			}},
			{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
	}
}

// args is fnbench run for one shard. The kubelet expands $(VAR) in args
// from the container's environment, which gives each pod its index; what
// the user wrote is escaped so that it reaches fnbench as written.
func args(s Spec) []string {
	a := []string{
		"run", scenarioDir + "/" + s.ScenarioName,
		"--shard", fmt.Sprintf("$(%s)/%d", indexEnv, s.Shards),
		"--shard-base", "0", // JOB_COMPLETION_INDEX counts from 0
		"--start-at", s.StartAt.UTC().Format(time.RFC3339Nano),
		"--upload", escapeExpansion(s.Upload),
		"--run-id", s.RunID,
		"--out", workDir + "/run",
	}
	for _, set := range s.Sets {
		a = append(a, "--set", escapeExpansion(set))
	}
	return a
}

// escapeExpansion doubles every '$', which the kubelet's $(VAR) expansion
// turns back into one: "$$(X)" reaches the program as "$(X)".
func escapeExpansion(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// env is the container's environment besides the Secrets in EnvFrom, which
// cannot override it.
func env(s Spec) []corev1.EnvVar {
	e := []corev1.EnvVar{
		// Recent Kubernetes versions set JOB_COMPLETION_INDEX themselves;
		// naming it here makes $(JOB_COMPLETION_INDEX) in args expand on
		// any version, from the annotation every version sets.
		{Name: indexEnv, ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['" + batchv1.JobCompletionIndexAnnotation + "']"},
		}},
		// The root file system is read-only; temporary files go to the
		// emptyDir.
		{Name: "TMPDIR", Value: workDir},
	}
	if !s.CPU.IsZero() {
		// Without a CPU limit the Go runtime would size GOMAXPROCS to the
		// node's cores and oversubscribe the shard's share; the request,
		// rounded up to whole cores, is that share.
		e = append(e, corev1.EnvVar{Name: "GOMAXPROCS", ValueFrom: &corev1.EnvVarSource{
			ResourceFieldRef: &corev1.ResourceFieldSelector{
				ContainerName: containerName,
				Resource:      "requests.cpu",
				Divisor:       resource.MustParse("1"),
			},
		}})
	}
	return e
}

// envFrom exposes each named Secret's keys as environment variables.
func envFrom(secrets []string) []corev1.EnvFromSource {
	var e []corev1.EnvFromSource
	for _, name := range secrets {
		e = append(e, corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: name},
		}})
	}
	return e
}

// resources requests cpu and memory and limits memory alone (see
// Spec.CPU); a zero quantity is left out.
func resources(cpu, memory resource.Quantity) corev1.ResourceRequirements {
	var r corev1.ResourceRequirements
	if !cpu.IsZero() {
		r.Requests = corev1.ResourceList{corev1.ResourceCPU: cpu}
	}
	if !memory.IsZero() {
		if r.Requests == nil {
			r.Requests = corev1.ResourceList{}
		}
		r.Requests[corev1.ResourceMemory] = memory
		r.Limits = corev1.ResourceList{corev1.ResourceMemory: memory}
	}
	return r
}

// spread keeps the run's pods apart, on nodes named by
// kubernetes.io/hostname, as hard as mode says.
func spread(mode, runID string) *corev1.Affinity {
	term := corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{RunLabel: runID}},
		TopologyKey:   corev1.LabelHostname,
	}
	anti := &corev1.PodAntiAffinity{}
	if mode == SpreadRequired {
		anti.RequiredDuringSchedulingIgnoredDuringExecution = []corev1.PodAffinityTerm{term}
	} else {
		anti.PreferredDuringSchedulingIgnoredDuringExecution = []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: term}}
	}
	return &corev1.Affinity{PodAntiAffinity: anti}
}
