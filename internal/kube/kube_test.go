package kube

import (
	"os"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

func TestMain(m *testing.M) {
	// Follow polls; tests need not wait two seconds for each change.
	followInterval = 5 * time.Millisecond
	os.Exit(m.Run())
}

// fourShards is a run with every Spec field set, spread over four pods.
func fourShards() Spec {
	return Spec{
		RunID:        "checkout-20250101",
		Namespace:    "load",
		Image:        "ghcr.io/fnbench/fnbench:v1.2.0",
		PullPolicy:   "IfNotPresent",
		Shards:       4,
		StartAt:      time.Date(2025, 1, 1, 12, 30, 0, 123456789, time.FixedZone("CET", 3600)),
		Upload:       "s3://bench-results/checkout",
		ScenarioName: "scenario.yaml",
		Scenario:     []byte("name: checkout\ntargets:\n  - url: https://example.com/checkout\ntraffic:\n  rate: 400/s\n  duration: 10m\n"),
		Sets:         []string{"traffic.rate=800/s", "headers.x-note=$(TMPDIR) costs $$5"},
		CPU:          resource.MustParse("2"),
		Memory:       resource.MustParse("1Gi"),
		Spread:       SpreadPreferred,
		// IRSA binds the AWS role to this service account.
		ServiceAccount: "fnbench",
		EnvFrom:        []string{"checkout-token"},
		Deadline:       14*time.Minute + 500*time.Millisecond,
		NodeSelector:   map[string]string{"node.kubernetes.io/pool": "load"},
	}
}
