package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds whole documents to Parse: it must never panic, and every
// failure must be an *Errors whose entries all carry a position.
func FuzzParse(f *testing.F) {
	examples, _ := filepath.Glob("examples/*.yaml")
	for _, path := range examples {
		if src, err := os.ReadFile(path); err == nil {
			f.Add(src)
		}
	}
	for _, s := range []string{base, sentinelScenario, "", "---\n", "a: &a [*a]\n", "<<: {name: x}\n", "name: [\n", "targets: [{<<: [*x]}]\n"} {
		f.Add([]byte(s))
	}
	env := envOf(map[string]string{"TOKEN": sentinel})
	f.Fuzz(func(t *testing.T, src []byte) {
		// A directory that does not exist keeps body_file away from real files.
		_, err := Parse("/nonexistent/fuzz.yaml", src, LoadOptions{LookupEnv: env, Sets: []string{"seed=1"}})
		if err == nil {
			return
		}
		var errs *Errors
		if !errors.As(err, &errs) {
			t.Fatalf("error %v is a %T, not *Errors", err, err)
		}
		if len(errs.List) == 0 {
			t.Fatal("empty *Errors")
		}
		for _, e := range errs.List {
			if e.Line < 1 || e.Col < 1 || e.File == "" {
				t.Fatalf("error without a position: %+v", e)
			}
		}
	})
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"50/s", "3000/min", "0.5/s", "1e3/s", "10/m", "50", "-1/s", "NaN/s", "Inf/s", "1e400/s", "2000000/s", " 5 /sec", ".5/h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		if r < 0 || r > MaxRate || r != r {
			t.Fatalf("ParseRate(%q) = %v, outside [0, MaxRate]", s, r)
		}
		back, err := ParseRate(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseRate(%q).String() = %q does not parse back (%v, %v)", s, r.String(), back, err)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"500ms", "30s", "1m30s", "2h", "30", "-5s", "0", "1.5h", "µs", "9999999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
	})
}
