package attack_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/analyze"
	"github.com/fnbench/fnbench/internal/rundir"
)

// A target trusts the CA bundle it names, or with insecure: true nothing,
// and every report then warns; without either a self-signed server fails
// verification (issue 13, safety rails).
func TestTLSTrust(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	for _, c := range []struct {
		name, tls    string
		ok           bool
		warnInsecure bool
	}{
		{"system roots", "", false, false},
		{"ca_file", ", tls: {ca_file: " + ca + "}", true, false},
		{"insecure", ", tls: {insecure: true}", true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, dir := runYAML(t, context.Background(), srv.URL, `
name: tls
seed: 1
targets:
  - {name: s, url: URL`+c.tls+`}
traffic:
  phases:
    - {name: steady, shape: constant, rate: 20/s, duration: 250ms}
`)
			run, err := analyze.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			sum := analyze.Summarize(run)
			row := sum.Tables[0].Total
			if got := row.Warm == row.Sent && row.Sent > 0; got != c.ok {
				t.Errorf("sent %d, warm %d, classes %v: want all ok %v", row.Sent, row.Warm, row.Classes, c.ok)
			}
			if !c.ok && row.Classes[rundir.ClassTransportError] != row.Sent {
				t.Errorf("classes %v: want every request a transport_error (unknown authority)", row.Classes)
			}
			warned := strings.Contains(strings.Join(sum.Warnings, "\n"), "TLS certificate verification was off")
			if warned != c.warnInsecure {
				t.Errorf("warnings %q: want the insecure warning %v", sum.Warnings, c.warnInsecure)
			}
		})
	}
}
