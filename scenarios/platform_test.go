package scenarios

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/internal/platform"
)

// A struct tag cannot name a constant, so file.go spells Lambda's memory
// range out in memory_mb's tags and docs (and the JSON Schema copies them);
// this keeps that text equal to platform's range.
func TestMemoryTagsMatchLambdaRange(t *testing.T) {
	lo, hi := strconv.Itoa(platform.LambdaMinMemoryMB), strconv.Itoa(platform.LambdaMaxMemoryMB)

	target, _ := reflect.TypeFor[fileTarget]().FieldByName("MemoryMB")
	if got := target.Tag.Get("min"); got != lo {
		t.Errorf("target memory_mb: min:%q, want %q (platform.LambdaMinMemoryMB)", got, lo)
	}
	if got := target.Tag.Get("max"); got != hi {
		t.Errorf("target memory_mb: max:%q, want %q (platform.LambdaMaxMemoryMB)", got, hi)
	}

	sweep, _ := reflect.TypeFor[fileSweep]().FieldByName("MemoryMB")
	if want := fmt.Sprintf("from %s to %s", lo, hi); !strings.Contains(sweep.Tag.Get("doc"), want) {
		t.Errorf("sweep memory_mb: doc %q does not say %q", sweep.Tag.Get("doc"), want)
	}
}

// An http target's url names a simulator endpoint (profile and function,
// kind optional); an aws-lambda target's endpoint names a profile alone.
func TestSimURLsInScenarios(t *testing.T) {
	const (
		endpointHint = `; write sim://<profile>, for example sim://aws-go-hello`
		urlHint      = `; write sim://<profile>/<function>[/<kind>], for example sim://aws-go-hello/hello or sim://aws-go-hello/hello/lambda-url`
	)
	for _, tc := range []struct {
		target string // the target's keys besides name
		want   string // the error, or "" when the scenario is valid
	}{
		{target: `url: sim://aws-go-hello/hello`},
		{target: `url: sim://aws-go-hello/hello/lambda-url`},
		{target: `url: sim://aws-go-hello`, want: `url "sim://aws-go-hello" is not a simulator endpoint` + urlHint},
		{target: `url: sim://aws-go-hello/hello/lambda-url/x`, want: `url "sim://aws-go-hello/hello/lambda-url/x" is not a simulator endpoint` + urlHint},
		{target: `{kind: aws-lambda, function: hello, endpoint: "sim://aws-go-hello"}`},
		{target: `{kind: aws-lambda, function: hello, endpoint: "sim://aws-go-hello/hello"}`, want: `endpoint "sim://aws-go-hello/hello" is not a simulator profile` + endpointHint},
		{target: `{kind: aws-lambda, function: hello, endpoint: "sim://"}`, want: `endpoint "sim://" is not a simulator profile` + endpointHint},
	} {
		keys := tc.target
		if !strings.HasPrefix(keys, "{") {
			keys = "{" + keys + "}"
		}
		src := "name: sims\ntargets:\n  - " + strings.Replace(keys, "{", "{name: t, ", 1) +
			"\ntraffic:\n  phases:\n    - {shape: constant, rate: 10/s, duration: 30s}\n"
		_, err := Parse("scenario.yaml", []byte(src), LoadOptions{LookupEnv: noEnv})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.target, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.target, err, tc.want)
		}
	}
}
