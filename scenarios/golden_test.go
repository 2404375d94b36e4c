package scenarios

import (
	"testing"

	goldenfile "github.com/fnbench/fnbench/internal/golden"
)

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, name, got)
}

// noEnv is a LookupEnv that finds nothing, so tests never read the real
// environment.
func noEnv(string) (string, bool) { return "", false }

// envOf is a LookupEnv over a fixed map.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}
