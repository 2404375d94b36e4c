//go:build !unix

package attack

// FDLimit: no limit on open files to read here.
func FDLimit() (uint64, bool) { return 0, false }
