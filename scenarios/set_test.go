package scenarios

import (
	"testing"
	"time"
)

const setBase = `name: sets
targets:
  - name: aws
    url: http://127.0.0.1:8080/
  - name: azure
    url: http://127.0.0.1:8081/
traffic:
  phases:
    - {name: warm, shape: constant, rate: 10/s, duration: 10s}
    - {name: ramp, shape: ramp, rate: 10/s, to: 100/s, duration: 10s}
`

func TestSetOverrides(t *testing.T) {
	plan, err := Parse("s.yaml", []byte(setBase), LoadOptions{LookupEnv: noEnv, Sets: []string{
		"seed=7",
		"interval=2s",
		"targets[0].url=http://127.0.0.1:9000/a",
		"targets.azure.url=https://example.com/b?x=1",
		"traffic.phases[0].rate=100/s",
		"traffic.phases.ramp.to=300/s",
		"defaults.headers.X-Trace=1",
		"description=a: b",
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := plan.Scenario
	checks := []struct {
		name      string
		got, want any
	}{
		{"seed", s.Seed, int64(7)},
		{"has seed", s.HasSeed, true},
		{"interval", s.Interval, 2 * time.Second},
		{"aws url", s.Targets[0].URL, "http://127.0.0.1:9000/a"},
		{"azure url", s.Targets[1].URL, "https://example.com/b?x=1"},
		{"warm rate", s.Traffic.Phases[0].Rate, Rate(100)},
		{"ramp to", s.Traffic.Phases[1].To, Rate(300)},
		{"header on aws", s.Targets[0].Headers["X-Trace"], "1"},
		{"header on azure", s.Targets[1].Headers["X-Trace"], "1"},
		{"description", s.Description, "a: b"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestDefaultsMerge(t *testing.T) {
	src := `name: merge
defaults:
  method: post
  headers: {accept: application/json, X-A: from-defaults}
  body: '{"n": 1}'
  timeout: 10s
  max_in_flight: 50
  http2: false
targets:
  - name: a
    url: sim://aws/hello
    headers: {x-a: from-target}
    timeout: 5s
  - name: b
    url: https://example.com/
    body_file: testdata/body.json
    keepalive: false
traffic:
  phases: [{shape: pause, duration: 1s}]
`
	plan, err := Parse("s.yaml", []byte(src), LoadOptions{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	a, b := plan.Scenario.Targets[0], plan.Scenario.Targets[1]
	if a.Method != "POST" || a.Timeout != 5*time.Second || a.MaxInFlight != 50 || a.HTTP2 || !a.KeepAlive || string(a.Body) != `{"n": 1}` {
		t.Errorf("target a = %+v", a)
	}
	if a.Headers["Accept"] != "application/json" || a.Headers["X-A"] != "from-target" || len(a.Headers) != 2 {
		t.Errorf("target a headers = %v", a.Headers)
	}
	if b.Timeout != 10*time.Second || b.KeepAlive || string(b.Body) != "{\"from\": \"file\"}\n" {
		t.Errorf("target b = %+v (body %q)", b, b.Body)
	}
	if b.Headers["X-A"] != "from-defaults" {
		t.Errorf("target b headers = %v", b.Headers)
	}
}
