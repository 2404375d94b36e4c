package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestDescribeGolden(t *testing.T) {
	plan, err := Load("examples/local-ramp.yaml", LoadOptions{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := plan.Describe(&out); err != nil {
		t.Fatal(err)
	}
	golden(t, "local-ramp.describe.txt", out.Bytes())
}

// validate shows forced cold starts and a sweep in the plan.
func TestDescribeForceAndSweep(t *testing.T) {
	plan, err := Load("testdata/force-sweep.yaml", LoadOptions{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := plan.Describe(&out); err != nil {
		t.Fatal(err)
	}
	golden(t, "force-sweep.describe.txt", bytes.ReplaceAll(out.Bytes(), []byte(plan.Source), []byte("testdata/force-sweep.yaml")))
}

func TestRedactedJSONGoldenAndRoundTrip(t *testing.T) {
	plan, err := Load("examples/local-ramp.yaml", LoadOptions{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(plan.Redacted, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "local-ramp.json", append(b, '\n'))
	var back Scenario
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.MarshalIndent(back, "", "  ")
	if !bytes.Equal(b, again) {
		t.Errorf("JSON does not round-trip:\n%s\n---\n%s", b, again)
	}
}

// A body over MaxRecordedBody is recorded as its hash and size, not copied
// into run.json and every report (issue 13, fault 3); a small one whole.
func TestLargeBodyIsRecordedAsHashAndSize(t *testing.T) {
	dir := t.TempDir()
	body := bytes.Repeat([]byte("x"), MaxRecordedBody+1)
	os.WriteFile(filepath.Join(dir, "big.json"), body, 0o644)
	src := "name: big\ntargets:\n  - {name: a, url: http://127.0.0.1:8080/, method: POST, body_file: big.json}\n  - {name: b, url: http://127.0.0.1:8080/, method: POST, body: small}\ntraffic: {phases: [{shape: constant, rate: 1/s, duration: 1s}]}\n"
	path := filepath.Join(dir, "s.yaml")
	os.WriteFile(path, []byte(src), 0o644)
	plan, err := Load(path, LoadOptions{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(plan.Redacted)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 4096 || !bytes.Contains(b, []byte(`"body_sha256":"`)) || !bytes.Contains(b, []byte(`"body_bytes":65537`)) || !bytes.Contains(b, []byte(`"body":"small"`)) {
		t.Errorf("run.json's scenario (%d bytes): %.600s", len(b), b)
	}
}
