package attack

import "crypto/x509"

// SetTestRoots makes targets trust roots (a test server's certificate) and
// returns the function that undoes it.
func SetTestRoots(roots *x509.CertPool) (restore func()) {
	prev := testRoots
	testRoots = roots
	return func() { testRoots = prev }
}
