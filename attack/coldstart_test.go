package attack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/attack"
	"github.com/fnbench/fnbench/fixtures/functions/coldmark"
	"github.com/fnbench/fnbench/fixtures/sim"
	"github.com/fnbench/fnbench/fixtures/sim/simtest"
	"github.com/fnbench/fnbench/internal/rundir"
)

// readEvents returns the events of a run directory of one type.
func readEvents(t *testing.T, dir, typ string) []rundir.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, rundir.EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []rundir.Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e rundir.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// With marker evidence, cold-start tagging matches the simulator's ground
// truth exactly on every provider profile: every environment the simulator
// started is one cold start fnbench tagged, and no other request is tagged.
// The scenario has a burst from zero, an idle gap long enough for evictions
// (time-scaled), a spike and a ramp.
func TestMarkerColdStartsMatchGroundTruth(t *testing.T) {
	for _, c := range []struct {
		url   string
		scale float64
	}{
		{"sim://aws-go-hello/hello/lambda-url", 0.05},
		{"sim://aws-apigw-http/hello/apigw-http", 0.05},
		{"sim://aws-python-hello/hello/lambda-url", 0.05},
		{"sim://aws-java-snapstart/hello/lambda-url", 0.05},
		{"sim://azure-consumption-node/hello", 0.05},
		{"sim://azure-flex-python/hello", 0.05},
	} {
		t.Run(c.url[6:], func(t *testing.T) {
			t.Parallel()
			profile := strings.Split(c.url[6:], "/")[0]
			// Keep-alives compressed further than the rest, so that the
			// idle gap evicts while handlers still take long enough for
			// bursts to need more than one instance.
			s := simtest.StartConfig(t, sim.Config{Profiles: []string{profile}, TimeScale: c.scale, KeepAliveScale: 0.02, Seed: 3})
			e, err := s.ResolveEndpoint(c.url)
			if err != nil {
				t.Fatal(err)
			}
			auth := ""
			if e.Auth == "function-key" {
				auth = ", auth: {type: azure-function-key, value: " + sim.DefaultFunctionKey + "}"
			}
			_, dir := runYAML(t, context.Background(), e.URL, `
name: cold
seed: 1
interval: 250ms
cold_start: {detect: marker}
targets: [{name: fn, url: URL`+auth+`}]
traffic:
  phases:
    - {name: burst, shape: constant, rate: 400/s, duration: 1s}
    - {name: idle, shape: pause, duration: 3s}
    - {name: spike, shape: spike, rate: 20/s, peak: 800/s, at: 200ms, hold: 300ms, duration: 1s}
    - {name: ramp, shape: ramp, rate: 50/s, to: 600/s, duration: 1s}
`)
			var truthCold []string
			truthOK := 0
			for _, inv := range s.Truth() {
				if inv.Status == 200 {
					truthOK++
				}
				if inv.Cold && inv.Status == 200 {
					truthCold = append(truthCold, inv.Instance)
				}
			}
			var tagged []string
			for _, e := range readEvents(t, dir, rundir.EventColdStart) {
				if e.Evidence != rundir.EvidenceMarker || e.Instance == "" {
					t.Errorf("cold start event %+v: want marker evidence and an instance", e)
				}
				tagged = append(tagged, e.Instance)
			}
			sort.Strings(truthCold)
			sort.Strings(tagged)
			if len(truthCold) < 2 {
				t.Fatalf("the simulator started only %d environments: the scenario does not exercise cold starts", len(truthCold))
			}
			if strings.Join(tagged, ",") != strings.Join(truthCold, ",") {
				t.Fatalf("tagged %d instances %v, ground truth %d %v", len(tagged), tagged, len(truthCold), truthCold)
			}
			row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
			if row.Cold != int64(len(truthCold)) || row.Cold+row.Warm != int64(truthOK) || row.ColdEvidence[rundir.EvidenceMarker] != row.Cold {
				t.Errorf("summary: cold %d warm %d evidence %v; truth: %d cold of %d", row.Cold, row.Warm, row.ColdEvidence, len(truthCold), truthOK)
			}
			t.Logf("%d cold starts of %d requests, all tagged by marker", len(truthCold), truthOK)
		})
	}
}

// With detection off, nothing is tagged.
func TestDetectNoneTagsNothing(t *testing.T) {
	s := simtest.StartConfig(t, sim.Config{Profiles: []string{"aws-go-hello"}, TimeScale: 0.005})
	url, _ := s.Resolve("sim://aws-go-hello/hello")
	_, dir := runYAML(t, context.Background(), url, `
name: nodetect
seed: 1
cold_start: {detect: none}
targets: [{name: lambda, url: URL}]
traffic:
  phases: [{shape: constant, rate: 100/s, duration: 300ms}]
`)
	row := analyze.Summarize(loadRun(t, dir)).Tables[0].Total
	if row.Cold != 0 || row.Warm != 30 {
		t.Errorf("cold %d warm %d; want 0 and 30", row.Cold, row.Warm)
	}
}

// fnbench reads the very headers its sample functions write.
func TestMarkerHeadersMatchTheSampleFunctions(t *testing.T) {
	for _, h := range []string{coldmark.HeaderCold, coldmark.HeaderInstance, coldmark.HeaderInitMs} {
		if !attack.IsMarkerHeader(h) {
			t.Errorf("%s is not a header fnbench reads", h)
		}
	}
}
