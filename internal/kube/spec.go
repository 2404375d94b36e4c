package kube

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Spec is one distributed run's Job: what Build turns into a Job and the
// ConfigMap that carries its scenario.
type Spec struct {
	// RunID names the run: the Job and the ConfigMap are JobName(RunID), and
	// everything carries the label RunLabel=RunID. A DNS-1123 label (lower
	// case letters, digits and '-'), short enough for the pods' host names,
	// fnbench-<RunID>-<index>, to fit in 63 characters.
	RunID string
	// Namespace holds the Job and the ConfigMap; "" leaves it out of the
	// objects, for kubectl apply to choose.
	Namespace string
	// Image is the fnbench container image; its entrypoint is /fnbench.
	Image string
	// PullPolicy is the container's imagePullPolicy; "" leaves it to the
	// cluster's default (Always for :latest, IfNotPresent otherwise).
	PullPolicy corev1.PullPolicy
	// Shards is the number of pods, 1 to MaxShards; pod i sends every
	// Shards-th arrival, starting with arrival i.
	Shards int
	// StartAt is the instant every shard starts its schedule; leave the pods
	// time to be scheduled, pull the image and start before it.
	StartAt time.Time
	// Upload is the object-storage URL each shard mirrors its run directory
	// to (fnbench run --upload); the pods' own storage is gone with them.
	Upload string
	// ScenarioName is the scenario's file name inside the ConfigMap, such as
	// "scenario.yaml".
	ScenarioName string
	// Scenario is the scenario file's bytes, UTF-8, under 1 MiB (the
	// ConfigMap's limit).
	Scenario []byte
	// Files are the files the scenario reads (body_file, payload_file,
	// ca_file), by their paths relative to the scenario's directory, as
	// the scenario names them: they travel in the ConfigMap and appear at
	// those paths beside the scenario in the pod. Never secrets: a
	// ConfigMap is readable by whoever can read the namespace.
	Files map[string][]byte
	// Sets are fnbench run --set path=value overrides, passed through as
	// written.
	Sets []string
	// CPU and Memory are each pod's resource requests; zero leaves one
	// unset. Memory is also the limit; CPU has no limit, because CFS
	// throttling would stall a shard for whole periods and delay the
	// requests due meanwhile.
	CPU, Memory resource.Quantity
	// Spread is how hard the scheduler keeps the run's pods on different
	// nodes: SpreadPreferred ("" too) or SpreadRequired. Shards that share a
	// node share its CPU and network, and measure each other.
	Spread string
	// ServiceAccount runs the pods as this service account, for cloud
	// credentials bound to it (IRSA, EKS Pod Identity, workload identity);
	// "" is the namespace's default.
	ServiceAccount string
	// EnvFrom names Secrets whose keys become the container's environment:
	// cloud credentials, or the variables a scenario reads as ${VAR}.
	EnvFrom []string
	// Deadline is the Job's activeDeadlineSeconds, counted from when the
	// Job starts: the time until StartAt, the run's duration and a margin,
	// which the caller knows. Zero leaves the Job without one.
	Deadline time.Duration
	// NodeSelector restricts the pods to nodes with these labels.
	NodeSelector map[string]string
}

// Spread values.
const (
	// SpreadPreferred asks the scheduler to put the run's pods on different
	// nodes when it can, and to share nodes when it cannot.
	SpreadPreferred = "preferred"
	// SpreadRequired leaves pods Pending rather than share a node: a run
	// needs as many schedulable nodes as shards.
	SpreadRequired = "required"
)

// MaxShards is the most shards Build accepts.
const MaxShards = 1000

// RunLabel is the label that marks everything a distributed run creates,
// with the run id as its value.
const RunLabel = "fnbench.dev/run"

// jobNamePrefix starts the names of the Job and the ConfigMap, so that a
// run id cannot collide with something else in the namespace.
const jobNamePrefix = "fnbench-"

// JobName is the name of the Job, and of the ConfigMap, of run runID.
func JobName(runID string) string { return jobNamePrefix + runID }

// maxConfigMapBytes is the API server's limit on a ConfigMap's data.
const maxConfigMapBytes = 1 << 20

// validate checks what the API server would refuse, and what fnbench run
// would, before anything is created; it reports every problem at once.
func (s Spec) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if s.Shards < 1 || s.Shards > MaxShards {
		bad("shards %d: want 1 to %d", s.Shards, MaxShards)
	}
	if s.RunID == "" {
		bad("run id is empty: give one of lower-case letters, digits and '-', such as checkout-20250101-1200")
	} else if msgs := validation.IsDNS1123Label(s.RunID); len(msgs) > 0 {
		bad("run id %q: %s; use lower-case letters, digits and '-', starting and ending with a letter or digit", s.RunID, strings.Join(msgs, "; "))
	} else if s.Shards >= 1 && s.Shards <= MaxShards {
		// The Job controller names pod i's host fnbench-<run id>-<i>, and
		// the API server refuses a Job whose last host name is not a
		// DNS-1123 label.
		last := JobName(s.RunID) + "-" + strconv.Itoa(s.Shards-1)
		if len(last) > validation.DNS1123LabelMaxLength {
			room := validation.DNS1123LabelMaxLength - len(last) + len(s.RunID)
			bad("run id %q is %d characters: the pods' host names, %s-<shard index>, must fit in %d, so with %d shards the run id may have at most %d",
				s.RunID, len(s.RunID), JobName(s.RunID), validation.DNS1123LabelMaxLength, s.Shards, room)
		}
	}
	if s.Namespace != "" {
		if msgs := validation.IsDNS1123Label(s.Namespace); len(msgs) > 0 {
			bad("namespace %q: %s", s.Namespace, strings.Join(msgs, "; "))
		}
	}
	if strings.TrimSpace(s.Image) == "" {
		bad("image is empty: give the fnbench container image, such as ghcr.io/fnbench/fnbench:v1.2.0")
	} else if strings.ContainsAny(s.Image, " \t\n") {
		bad("image %q contains white space", s.Image)
	}
	switch s.PullPolicy {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		bad("pull policy %q: want %s, %s or %s", s.PullPolicy, corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever)
	}
	if s.StartAt.IsZero() {
		bad("start time is unset: give the instant every shard starts, leaving the pods time to start (a minute or two)")
	}
	if strings.TrimSpace(s.Upload) == "" {
		bad("upload URL is empty: each pod's run directory is lost with the pod; give an object-storage URL (s3://… or azblob://…) for fnbench merge to read")
	}
	if s.ScenarioName == "" {
		bad("scenario file name is empty: give the name the scenario has in the ConfigMap, such as scenario.yaml")
	} else if msgs := validation.IsConfigMapKey(s.ScenarioName); len(msgs) > 0 {
		bad("scenario file name %q: %s; use a plain file name such as scenario.yaml", s.ScenarioName, strings.Join(msgs, "; "))
	}
	if len(s.Scenario) == 0 {
		bad("scenario is empty")
	} else if !utf8.Valid(s.Scenario) {
		bad("scenario %s is not UTF-8 text", s.ScenarioName)
	}
	size := len(s.Scenario) + len(s.ScenarioName)
	for _, path := range slices.Sorted(maps.Keys(s.Files)) {
		size += len(path) + len(s.Files[path])
		if !filepath.IsLocal(path) || strings.Contains(path, `\`) || path == s.ScenarioName {
			bad("file %q: want a path inside the scenario's directory (no .., not absolute), other than the scenario's own name; copy the file beside the scenario and name it relative to it", path)
		}
	}
	if size > maxConfigMapBytes {
		bad("scenario %s and the files it reads are %d bytes: a ConfigMap holds at most 1 MiB; make the bodies smaller", s.ScenarioName, size)
	}
	if s.CPU.Sign() < 0 {
		bad("CPU request %s is negative", s.CPU.String())
	}
	if s.Memory.Sign() < 0 {
		bad("memory request %s is negative", s.Memory.String())
	}
	switch s.Spread {
	case "", SpreadPreferred, SpreadRequired:
	default:
		bad("spread %q: want %s or %s", s.Spread, SpreadPreferred, SpreadRequired)
	}
	if s.ServiceAccount != "" {
		if msgs := validation.IsDNS1123Subdomain(s.ServiceAccount); len(msgs) > 0 {
			bad("service account %q: %s", s.ServiceAccount, strings.Join(msgs, "; "))
		}
	}
	for _, name := range s.EnvFrom {
		if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
			bad("secret %q: %s; give the name of a Secret in the namespace", name, strings.Join(msgs, "; "))
		}
	}
	if s.Deadline < 0 {
		bad("deadline %v is negative", s.Deadline)
	}
	for _, k := range slices.Sorted(maps.Keys(s.NodeSelector)) {
		v := s.NodeSelector[k]
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			bad("node selector key %q: %s", k, strings.Join(msgs, "; "))
		}
		if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
			bad("node selector %s=%q: %s", k, v, strings.Join(msgs, "; "))
		}
	}
	return errors.Join(errs...)
}
