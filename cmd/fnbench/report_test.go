package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// report --format json writes the versioned JSON summary.
func TestReportJSON(t *testing.T) {
	code, out, errs := cli("report", "../../report/testdata/run-local-ramp", "../../analyze/testdata/run-sim", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Runs          []struct {
			Targets []struct {
				Total struct {
					Latency struct {
						OK struct {
							P99 struct {
								ValueNs int64                         `json:"value_ns"`
								CI95    struct{ LowNs, HighNs int64 } `json:"ci95"`
							} `json:"p99"`
						} `json:"ok"`
					} `json:"latency"`
				} `json:"total"`
			} `json:"targets"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != 1 || len(doc.Runs) != 2 || len(doc.Runs[1].Targets) != 3 {
		t.Fatalf("schema %d, %d runs", doc.SchemaVersion, len(doc.Runs))
	}
	if p := doc.Runs[0].Targets[0].Total.Latency.OK.P99; p.ValueNs == 0 || p.CI95.LowNs > p.ValueNs {
		t.Errorf("p99 %+v", p)
	}
}

func TestReportBadUsageExits2(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "../../report/testdata/run-local-ramp", "--format", "xml"}, `--format "xml" is not supported; use text, md, json, junit, html`},
		{[]string{"report", "nosuchrun", "--format", "json"}, "is not a run directory"},
	} {
		code, _, errs := cli(c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errs)
		}
	}
}
