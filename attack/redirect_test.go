package attack_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnbench/fnbench/internal/rundir"
)

// A 3xx is an http_error, not a success whose latency joins the
// percentiles, unless the target sets follow_redirects; then the client
// follows it to the answer (issue 13, fault 7).
func TestRedirects(t *testing.T) {
	final := okServer(t)
	redirect := okServerWith(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, final.URL+"/elsewhere", http.StatusFound)
	})
	for _, c := range []struct {
		name, extra       string
		wantOK, wantError int64
	}{
		{"not followed", "", 0, 10},
		{"followed", ", follow_redirects: true", 10, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, dir := runYAML(t, context.Background(), redirect.URL, `
name: redirects
seed: 1
targets:
  - {name: r, url: URL`+c.extra+`}
traffic:
  phases:
    - {name: steady, shape: constant, rate: 20/s, duration: 500ms}
`)
			var ok, errs, httpErrs int64
			readJSONLines(t, filepath.Join(dir, rundir.IntervalsFile), func(ic rundir.IntervalCounts) {
				ok += ic.Warm + ic.Cold
				errs += ic.Errors
				httpErrs += ic.Classes[rundir.ClassHTTPError]
			})
			if ok != c.wantOK || errs != c.wantError || httpErrs != c.wantError {
				t.Errorf("ok %d, errors %d (http_error %d); want ok %d, errors %d, all http_error", ok, errs, httpErrs, c.wantOK, c.wantError)
			}
			if c.wantError > 0 {
				ev, _ := os.ReadFile(filepath.Join(dir, rundir.EventsFile))
				if !strings.Contains(string(ev), "302 Found (a redirect; set follow_redirects: true") {
					t.Errorf("the error sample does not say how to follow the redirect:\n%s", ev)
				}
			}
		})
	}
}
