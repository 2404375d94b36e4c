package attack

import (
	"crypto/x509"
	"time"
)

// SetTestRoots makes targets trust roots (a test server's certificate) and
// returns the function that undoes it.
func SetTestRoots(roots *x509.CertPool) (restore func()) {
	prev := testRoots
	testRoots = roots
	return func() { testRoots = prev }
}

// SetIdleTimeout shortens how long idle connections are kept.
func SetIdleTimeout(d time.Duration) (restore func()) {
	prev := idleTimeout
	idleTimeout = d
	return func() { idleTimeout = prev }
}

// IsMarkerHeader reports whether fnbench reads the header name as a
// cold-start marker.
func IsMarkerHeader(name string) bool {
	for _, h := range [...]string{headerMarkerCold, headerMarkerInstance, headerMarkerInitMs} {
		if h == name {
			return true
		}
	}
	return false
}
