// Command fnbench load-tests serverless endpoints, tags cold starts, and
// reports latency, scaling and cost. This file only wires the sub-commands;
// each lives in a file of its own and the logic lives in importable packages.
package main

import (
	"os"
)

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
