package scenarios

import (
	"bytes"
	"encoding/json"
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
