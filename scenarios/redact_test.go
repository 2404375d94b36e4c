package scenarios

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const sentinel = "SENTINEL-SECRET-7f3a9c"

// sentinelScenario references the sentinel through ${…} in every place a
// secret can sit: a header, the URL path and query, the body.
const sentinelScenario = `name: secrets
targets:
  - name: aws
    url: "https://example.com/${TOKEN}/fn?code=${TOKEN}&x=1"
    headers:
      Authorization: "Bearer ${TOKEN}"
      X-Plain: "v=${TOKEN}"
    body: '{"key": "${TOKEN}"}'
traffic:
  phases:
    - {shape: constant, rate: 1/s, duration: 1s}
`

func TestSentinelNeverLeaks(t *testing.T) {
	env := envOf(map[string]string{"TOKEN": sentinel})
	plan, err := Parse("s.yaml", []byte(sentinelScenario), LoadOptions{LookupEnv: env})
	if err != nil {
		t.Fatal(err)
	}
	// The resolved scenario carries the secret, for the attack engine.
	if !strings.Contains(plan.Scenario.Targets[0].URL, sentinel) || plan.Scenario.Targets[0].Headers["Authorization"] != "Bearer "+sentinel {
		t.Fatalf("secret not resolved: %+v", plan.Scenario.Targets[0])
	}
	redacted, err := json.Marshal(plan.Redacted)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(redacted, []byte(sentinel)) {
		t.Errorf("redacted JSON leaks the secret: %s", redacted)
	}
	if !bytes.Contains(redacted, []byte(`"Authorization":"Bearer ${TOKEN}"`)) {
		t.Errorf("redacted JSON does not show the reference: %s", redacted)
	}
	var out bytes.Buffer
	if err := plan.Describe(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), sentinel) {
		t.Errorf("Describe leaks the secret:\n%s", out.String())
	}
	if got := plan.Redactor.Redact("GET " + plan.Scenario.Targets[0].URL + " failed"); strings.Contains(got, sentinel) {
		t.Errorf("Redact leaks the secret: %s", got)
	}

	// Errors quoting resolved values are redacted too.
	bad := strings.Replace(sentinelScenario, "https://", "ftp://", 1) + "seed: x\n"
	_, err = Parse("s.yaml", []byte(bad), LoadOptions{LookupEnv: env, Sets: []string{"description=${TOKEN}", "targets.aws.method=${TOKEN}"}})
	if err == nil {
		t.Fatal("want errors")
	}
	if strings.Contains(err.Error(), sentinel) {
		t.Errorf("error message leaks the secret:\n%v", err)
	}
}

func TestRedact(t *testing.T) {
	r := &Redactor{}
	r.Add("TOKEN", "hunter22")
	r.Add("PIN", "42") // too short to replace inside text
	tests := []struct{ in, want string }{
		{"token hunter22 here", "token ${TOKEN} here"},
		{"pin 42 and 420", "pin 42 and 420"},
		{"https://x.azurewebsites.net/api/f?code=abc123&name=1", "https://x.azurewebsites.net/api/f?code=REDACTED&name=1"},
		{"https://b.s3.amazonaws.com/k?X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok#f", "https://b.s3.amazonaws.com/k?X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED#f"},
		{"https://h/?sig=s1&api_key=k2&apikey=k3&access_token=t4&key=k5&token=t6", "https://h/?sig=REDACTED&api_key=REDACTED&apikey=REDACTED&access_token=REDACTED&key=REDACTED&token=REDACTED"},
		{"https://h/?monkey=1&code=${CODE}", "https://h/?monkey=1&code=${CODE}"},
		{"Authorization: Bearer abc.def", "Authorization: Bearer REDACTED"},
		{"x-functions-key: k\ncookie: a=b; c=d", "x-functions-key: REDACTED\ncookie: REDACTED"},
		{`{"X-Api-Key":"k1","Proxy-Authorization":"Basic Zm9v"}`, `{"X-Api-Key":"REDACTED","Proxy-Authorization":"Basic REDACTED"}`},
		{"https://h/" + "hunter22", "https://h/${TOKEN}"},
		{"https://h/?q=hunter%2022", "https://h/?q=hunter%2022"},
	}
	for _, tt := range tests {
		if got := r.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var nilR *Redactor
	if got := nilR.Redact("https://h/?code=c&x=hunter22"); got != "https://h/?code=REDACTED&x=hunter22" {
		t.Errorf("nil Redactor: %q", got)
	}
	nilR.Add("X", "ignored") // must not panic
}

func TestRedactHeaders(t *testing.T) {
	r := &Redactor{}
	r.Add("TOKEN", "hunter22")
	got := r.RedactHeaders(map[string]string{
		"Authorization":   "Bearer hunter22",
		"X-Api-Key":       "literal-key",
		"x-functions-key": "${FKEY}",
		"Accept":          "application/json",
		"X-Echo":          "hunter22",
	})
	want := map[string]string{
		"Authorization":   "Bearer ${TOKEN}",
		"X-Api-Key":       "REDACTED",
		"x-functions-key": "${FKEY}",
		"Accept":          "application/json",
		"X-Echo":          "${TOKEN}",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if (*Redactor)(nil).RedactHeaders(map[string]string{"Cookie": "a=b"})["Cookie"] != "REDACTED" {
		t.Error("nil Redactor does not mask Cookie")
	}
}

func TestShortSecretIsAReferenceInRedacted(t *testing.T) {
	src := strings.Replace(sentinelScenario, `X-Plain: "v=${TOKEN}"`, `X-Pin: "${PIN}"`, 1)
	plan, err := Parse("s.yaml", []byte(src), LoadOptions{LookupEnv: envOf(map[string]string{"TOKEN": sentinel, "PIN": "7"})})
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Redacted.Targets[0].Headers["X-Pin"]; got != "${PIN}" {
		t.Errorf("X-Pin = %q, want ${PIN}", got)
	}
	if got := plan.Scenario.Targets[0].Headers["X-Pin"]; got != "7" {
		t.Errorf("resolved X-Pin = %q, want 7", got)
	}
}

func TestEnvSyntax(t *testing.T) {
	env := envOf(map[string]string{"HOST": "127.0.0.1:9000", "EMPTY": ""})
	src := `name: env
description: "cost $${NOT} ${MISSING:-fallback} [${EMPTY}]"
targets:
  - {name: a, url: "http://${HOST}/"}
traffic:
  phases: [{shape: pause, duration: 1s}]
`
	plan, err := Parse("s.yaml", []byte(src), LoadOptions{LookupEnv: env})
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Scenario.Description; got != "cost ${NOT} fallback []" {
		t.Errorf("description = %q", got)
	}
	if got := plan.Scenario.Targets[0].URL; got != "http://127.0.0.1:9000/" {
		t.Errorf("url = %q", got)
	}
	if got := plan.Redacted.Targets[0].URL; got != "http://${HOST}/" {
		t.Errorf("redacted url = %q", got)
	}
}
