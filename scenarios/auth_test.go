package scenarios

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const authBase = "name: a\ntraffic: {phases: [{shape: constant, rate: 1/s, duration: 1s}]}\ntargets:\n  - name: t\n    url: http://127.0.0.1:1/\n"

func TestAuth(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	os.WriteFile(keyFile, []byte("file-secret-key\n"), 0o644)
	for _, c := range []struct {
		name, auth   string
		want         Auth
		wantRedacted Auth
	}{
		{
			name:         "header from the environment",
			auth:         "{type: header, name: x-api-key, value: \"${API_KEY}\"}",
			want:         Auth{Type: AuthHeader, Header: "X-Api-Key", Value: "env-secret-key"},
			wantRedacted: Auth{Type: AuthHeader, Header: "X-Api-Key", Value: "${API_KEY}"},
		},
		{
			name:         "azure key as a header, literal",
			auth:         "{type: azure-function-key, value: literal-secret-key}",
			want:         Auth{Type: AuthAzureFunctionKey, Header: "X-Functions-Key", Value: "literal-secret-key"},
			wantRedacted: Auth{Type: AuthAzureFunctionKey, Header: "X-Functions-Key", Value: "REDACTED"},
		},
		{
			name:         "azure key in the query, from a file",
			auth:         "{type: azure-function-key, send_as: query, value_file: key.txt}",
			want:         Auth{Type: AuthAzureFunctionKey, Query: "code", Value: "file-secret-key"},
			wantRedacted: Auth{Type: AuthAzureFunctionKey, Query: "code", Value: "REDACTED (from key.txt)"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := authBase + "    auth: " + c.auth + "\n"
			p, err := Parse(filepath.Join(dir, "s.yaml"), []byte(src), LoadOptions{LookupEnv: envOf(map[string]string{"API_KEY": "env-secret-key"})})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Scenario.Targets[0].Auth; got != c.want {
				t.Errorf("auth %+v, want %+v", got, c.want)
			}
			if got := p.Redacted.Targets[0].Auth; got != c.wantRedacted {
				t.Errorf("redacted auth %+v, want %+v", got, c.wantRedacted)
			}
			b, _ := json.Marshal(p.Redacted)
			if strings.Contains(string(b), "secret-key") || strings.Contains(p.Redactor.Redact("x "+c.want.Value+" y"), c.want.Value) {
				t.Errorf("the secret leaks: %s", b)
			}
		})
	}
}

func TestAuthErrors(t *testing.T) {
	for _, c := range []struct{ auth, want string }{
		{"{type: header, value: x1234}", "auth type header needs the header's name"},
		{"{type: azure-function-key}", "auth type azure-function-key needs the secret"},
		{"{type: aws-sigv4, value: x}", "auth type aws-sigv4 takes no value; auth type aws-sigv4 takes service, region, profile"},
		{"{type: azure-entra}", "auth type azure-entra needs the token's scope"},
		{"{type: header, name: X-Key, value: k, scope: s}", "auth type header takes no scope"},
	} {
		_, err := Parse("s.yaml", []byte(authBase+"    auth: "+c.auth+"\n"), LoadOptions{LookupEnv: noEnv})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.auth, err, c.want)
		}
	}
}
