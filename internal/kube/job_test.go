package kube

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestBuildShapesAnIndexedJobOfFourShards(t *testing.T) {
	s := fourShards()
	job, cm, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	const name = "fnbench-checkout-20250101"
	wantLabels := map[string]string{
		"app.kubernetes.io/name": "fnbench", "app.kubernetes.io/managed-by": "fnbench", "fnbench.dev/run": "checkout-20250101",
	}
	for what, got := range map[string]map[string]string{"job": job.Labels, "pod template": job.Spec.Template.Labels, "configmap": cm.Labels} {
		if fmt.Sprint(got) != fmt.Sprint(wantLabels) {
			t.Errorf("%s labels = %v, want %v", what, got, wantLabels)
		}
	}
	if job.Name != name || cm.Name != name || job.Namespace != "load" || cm.Namespace != "load" {
		t.Errorf("job %s/%s, configmap %s/%s; want both load/%s", job.Namespace, job.Name, cm.Namespace, cm.Name, name)
	}

	js := job.Spec
	if js.CompletionMode == nil || *js.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode = %v, want Indexed", js.CompletionMode)
	}
	if *js.Parallelism != 4 || *js.Completions != 4 {
		t.Errorf("parallelism %d, completions %d; want 4 and 4", *js.Parallelism, *js.Completions)
	}
	if *js.BackoffLimit != 0 {
		t.Errorf("backoffLimit = %d, want 0: a retried shard would send late", *js.BackoffLimit)
	}
	if *js.TTLSecondsAfterFinished != 86400 {
		t.Errorf("ttlSecondsAfterFinished = %d, want a day", *js.TTLSecondsAfterFinished)
	}
	if *js.ActiveDeadlineSeconds != 841 {
		t.Errorf("activeDeadlineSeconds = %d, want 841 (14m0.5s rounded up)", *js.ActiveDeadlineSeconds)
	}

	pod := js.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy = %s, want Never", pod.RestartPolicy)
	}
	if pod.ServiceAccountName != "fnbench" || pod.NodeSelector["node.kubernetes.io/pool"] != "load" {
		t.Errorf("serviceAccountName %q, nodeSelector %v", pod.ServiceAccountName, pod.NodeSelector)
	}
	anti := pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	if len(anti) != 1 || anti[0].Weight != 100 || anti[0].PodAffinityTerm.TopologyKey != "kubernetes.io/hostname" ||
		anti[0].PodAffinityTerm.LabelSelector.MatchLabels["fnbench.dev/run"] != "checkout-20250101" {
		t.Errorf("preferred anti-affinity = %+v, want weight 100 on kubernetes.io/hostname for this run's pods", anti)
	}
	psc := pod.SecurityContext
	if !*psc.RunAsNonRoot || *psc.RunAsUser != 65532 || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext = %+v", psc)
	}

	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Name != "fnbench" || c.Image != s.Image || c.ImagePullPolicy != corev1.PullIfNotPresent || !slices.Equal(c.Command, []string{"/fnbench"}) {
		t.Errorf("container %s, image %s, pull %s, command %v", c.Name, c.Image, c.ImagePullPolicy, c.Command)
	}
	csc := c.SecurityContext
	if !*csc.ReadOnlyRootFilesystem || *csc.AllowPrivilegeEscalation || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container securityContext = %+v", csc)
	}
	if got := c.Resources.Requests[corev1.ResourceCPU]; got.Cmp(resource.MustParse("2")) != 0 {
		t.Errorf("cpu request = %s, want 2", got.String())
	}
	if got := c.Resources.Requests[corev1.ResourceMemory]; got.Cmp(resource.MustParse("1Gi")) != 0 {
		t.Errorf("memory request = %s, want 1Gi", got.String())
	}
	if got := c.Resources.Limits[corev1.ResourceMemory]; got.Cmp(resource.MustParse("1Gi")) != 0 {
		t.Errorf("memory limit = %s, want 1Gi", got.String())
	}
	if _, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		t.Error("cpu limit set: throttling would delay requests")
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef.Name != "checkout-token" {
		t.Errorf("envFrom = %+v, want secret checkout-token", c.EnvFrom)
	}

	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
	}
	if m := mounts["scenario"]; m.MountPath != "/scenario" || !m.ReadOnly {
		t.Errorf("scenario mount = %+v, want /scenario read-only", m)
	}
	if m := mounts["work"]; m.MountPath != "/work" || m.ReadOnly {
		t.Errorf("work mount = %+v, want /work writable", m)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	if v := volumes["scenario"]; v.ConfigMap == nil || v.ConfigMap.Name != name {
		t.Errorf("scenario volume = %+v, want ConfigMap %s", v, name)
	}
	if v := volumes["work"]; v.EmptyDir == nil {
		t.Errorf("work volume = %+v, want an emptyDir", v)
	}

	if got := cm.Data["scenario.yaml"]; got != string(s.Scenario) || len(cm.Data) != 1 {
		t.Errorf("configmap data = %q, want scenario.yaml = the scenario's bytes", cm.Data)
	}
}

func TestBuildRequiredSpreadKeepsPodsOffSharedNodes(t *testing.T) {
	s := fourShards()
	s.Spread = SpreadRequired
	job, _, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	anti := job.Spec.Template.Spec.Affinity.PodAntiAffinity
	if len(anti.RequiredDuringSchedulingIgnoredDuringExecution) != 1 || len(anti.PreferredDuringSchedulingIgnoredDuringExecution) != 0 {
		t.Errorf("anti-affinity = %+v, want one required term", anti)
	}
	if anti.RequiredDuringSchedulingIgnoredDuringExecution[0].TopologyKey != corev1.LabelHostname {
		t.Errorf("topologyKey = %s", anti.RequiredDuringSchedulingIgnoredDuringExecution[0].TopologyKey)
	}
}

func TestEachPodRunsItsShardAtTheCommonStart(t *testing.T) {
	s := fourShards()
	job, _, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	c := job.Spec.Template.Spec.Containers[0]
	want := []string{
		"run", "/scenario/scenario.yaml",
		"--shard", "$(JOB_COMPLETION_INDEX)/4", "--shard-base", "0",
		"--start-at", "2025-01-01T11:30:00.123456789Z",
		"--upload", "s3://bench-results/checkout",
		"--run-id", "checkout-20250101",
		"--out", "/work/run",
		"--set", "traffic.rate=800/s",
		"--set", "headers.x-note=$$(TMPDIR) costs $$$$5",
	}
	if !slices.Equal(c.Args, want) {
		t.Errorf("args =\n%q\nwant\n%q", c.Args, want)
	}
	if at, err := time.Parse(time.RFC3339Nano, c.Args[7]); err != nil || !at.Equal(s.StartAt) {
		t.Errorf("--start-at %s = %v (%v), want %v", c.Args[7], at, err, s.StartAt)
	}

	var index *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "JOB_COMPLETION_INDEX" {
			index = &c.Env[i]
		}
	}
	if index == nil || index.ValueFrom == nil || index.ValueFrom.FieldRef == nil ||
		index.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Fatalf("JOB_COMPLETION_INDEX = %+v, want the completion-index annotation", index)
	}

	// Pod 2, as the Job controller annotates it and the kubelet starts it.
	annotations := map[string]string{batchv1.JobCompletionIndexAnnotation: "2"}
	env := resolveEnv(t, c, annotations)
	var got []string
	for _, a := range c.Args {
		got = append(got, expand(a, env))
	}
	shard := strings.Join(got[2:6], " ")
	if shard != "--shard 2/4 --shard-base 0" {
		t.Errorf("pod 2 runs %q, want --shard 2/4 --shard-base 0", shard)
	}
	if got[len(got)-1] != s.Sets[1] {
		t.Errorf("pod 2 got --set %q, want %q as written", got[len(got)-1], s.Sets[1])
	}
	if env["GOMAXPROCS"] != "2" {
		t.Errorf("GOMAXPROCS = %q, want the CPU request, 2", env["GOMAXPROCS"])
	}
}

// resolveEnv is what the kubelet gives container c of a pod with these
// annotations: values, annotations by fieldRef, and the requests by
// resourceFieldRef (CPU rounded up to whole cores).
func resolveEnv(t *testing.T, c corev1.Container, annotations map[string]string) map[string]string {
	t.Helper()
	annotation := regexp.MustCompile(`^metadata\.annotations\['([^']+)'\]$`)
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.FieldRef != nil:
			m := annotation.FindStringSubmatch(e.ValueFrom.FieldRef.FieldPath)
			if m == nil {
				t.Fatalf("env %s: unsupported fieldPath %q", e.Name, e.ValueFrom.FieldRef.FieldPath)
			}
			env[e.Name] = annotations[m[1]]
		case e.ValueFrom.ResourceFieldRef != nil:
			r := e.ValueFrom.ResourceFieldRef
			if r.Resource != "requests.cpu" || r.ContainerName != c.Name {
				t.Fatalf("env %s: resourceFieldRef %+v", e.Name, r)
			}
			q := c.Resources.Requests[corev1.ResourceCPU]
			env[e.Name] = fmt.Sprint((q.MilliValue() + r.Divisor.MilliValue() - 1) / r.Divisor.MilliValue())
		}
	}
	return env
}

// expand is the kubelet's $(VAR) expansion of a container's args: $(NAME)
// becomes NAME's value when NAME is defined and stays as written
// otherwise; $$ becomes $.
func expand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func TestBuildWithoutCPURequestLeavesGOMAXPROCSToGo(t *testing.T) {
	s := fourShards()
	s.CPU = resource.Quantity{}
	job, _, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	c := job.Spec.Template.Spec.Containers[0]
	for _, e := range c.Env {
		if e.Name == "GOMAXPROCS" {
			t.Errorf("GOMAXPROCS set without a CPU request: %+v", e)
		}
	}
	if _, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
		t.Error("cpu request set from a zero quantity")
	}
}

func TestBuildSaysHowToFixABadSpec(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Spec)
		want   string
	}{
		{"no shards", func(s *Spec) { s.Shards = 0 }, "shards 0: want 1 to 1000"},
		{"too many shards", func(s *Spec) { s.Shards = 1001 }, "shards 1001: want 1 to 1000"},
		{"no image", func(s *Spec) { s.Image = "" }, "image is empty: give the fnbench container image"},
		{"run id too long", func(s *Spec) { s.RunID = strings.Repeat("a", 56) },
			"the pods' host names, fnbench-" + strings.Repeat("a", 56) + "-<shard index>, must fit in 63, so with 4 shards the run id may have at most 53"},
		{"run id too long for 1000 shards", func(s *Spec) { s.RunID, s.Shards = strings.Repeat("a", 52), 1000 },
			"with 1000 shards the run id may have at most 51"},
		{"run id upper case", func(s *Spec) { s.RunID = "Checkout" }, "use lower-case letters, digits and '-'"},
		{"no run id", func(s *Spec) { s.RunID = "" }, "run id is empty"},
		{"no start", func(s *Spec) { s.StartAt = time.Time{} }, "start time is unset"},
		{"no upload", func(s *Spec) { s.Upload = "" }, "upload URL is empty"},
		{"scenario name with a slash", func(s *Spec) { s.ScenarioName = "dir/scenario.yaml" }, "use a plain file name"},
		{"unknown spread", func(s *Spec) { s.Spread = "zone" }, `spread "zone": want preferred or required`},
		{"bad secret name", func(s *Spec) { s.EnvFrom = []string{"AWS_KEYS"} }, `secret "AWS_KEYS"`},
		{"unknown pull policy", func(s *Spec) { s.PullPolicy = "Sometimes" }, `pull policy "Sometimes": want Always, IfNotPresent or Never`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fourShards()
			tc.change(&s)
			_, _, err := Build(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build: %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
}

func TestBuildAcceptsTheLongestRunID(t *testing.T) {
	s := fourShards()
	s.RunID = strings.Repeat("a", 53) // fnbench-<53>-3 is 63 characters
	if _, _, err := Build(s); err != nil {
		t.Error(err)
	}
}

func TestBuildReportsEveryProblemAtOnce(t *testing.T) {
	s := fourShards()
	s.Shards, s.Image = 0, ""
	_, _, err := Build(s)
	if err == nil || !strings.Contains(err.Error(), "shards 0") || !strings.Contains(err.Error(), "image is empty") {
		t.Errorf("Build: %v, want both the shards and the image named", err)
	}
}

// The files a scenario reads travel in the ConfigMap, text as data and
// anything else as binaryData, and the volume lays them out at their
// paths beside the scenario; paths outside its directory are refused.
func TestBuildShipsTheScenarioFiles(t *testing.T) {
	s := fourShards()
	s.Files = map[string][]byte{"bodies/order.json": []byte(`{"sku":"a"}`), "ca.der": {0xff, 0xfe, 0x00}}
	job, cm, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["file-1"] != `{"sku":"a"}` || string(cm.BinaryData["file-2"]) != "\xff\xfe\x00" || cm.Data["scenario.yaml"] == "" {
		t.Errorf("ConfigMap data %v, binaryData %v", cm.Data, cm.BinaryData)
	}
	items := job.Spec.Template.Spec.Volumes[0].ConfigMap.Items
	want := []corev1.KeyToPath{{Key: "scenario.yaml", Path: "scenario.yaml"}, {Key: "file-1", Path: "bodies/order.json"}, {Key: "file-2", Path: "ca.der"}}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("items = %+v, want %+v", items, want)
	}
	for _, bad := range []string{"../secret.txt", "/etc/passwd", "scenario.yaml"} {
		s.Files = map[string][]byte{bad: []byte("x")}
		if _, _, err := Build(s); err == nil || !strings.Contains(err.Error(), "want a path inside the scenario's directory") {
			t.Errorf("file %q: %v", bad, err)
		}
	}
}
