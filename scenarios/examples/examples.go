// Package examples holds the bundled example scenarios, embedded so that
// `fnbench demo` runs on a machine that has only the binary.
package examples

import "embed"

// FS holds every *.yaml file of this directory.
//
//go:embed *.yaml
var FS embed.FS
