package attack

import (
	"testing"

	"github.com/fnbench/fnbench/internal/platform"
	"github.com/fnbench/fnbench/internal/rundir"
)

func TestClassifyStatus(t *testing.T) {
	generic := &Target{Provider: platform.Generic}
	azure := &Target{Provider: platform.Azure}
	for _, c := range []struct {
		t      *Target
		status int
		sg     signals
		want   string // class, or "" for success
	}{
		{generic, 200, signals{}, ""},
		{generic, 302, signals{}, rundir.ClassHTTPError}, // a redirect not followed (issue 13)
		{generic, 304, signals{}, ""},
		{generic, 429, signals{}, rundir.ClassThrottled},
		{generic, 400, signals{errorType: "ThrottlingException"}, rundir.ClassThrottled},
		{generic, 200, signals{functionError: true}, rundir.ClassFunctionError},
		{generic, 502, signals{}, rundir.ClassFunctionError},
		{generic, 503, signals{}, rundir.ClassFunctionError},
		{azure, 503, signals{}, rundir.ClassThrottled},
		{generic, 403, signals{errorType: "InvalidSignatureException"}, rundir.ClassHTTPError},
	} {
		res := result{class: -1}
		classifyStatus(c.t, c.status, c.sg, &res)
		got := ""
		if res.class >= 0 {
			got = rundir.Classes[res.class]
		}
		if got != c.want || (got == "") != (res.outcome == rundir.IndexWarm) {
			t.Errorf("%s %d %+v: class %q outcome %d, want %q", c.t.Provider, c.status, c.sg, got, res.outcome, c.want)
		}
	}
}
