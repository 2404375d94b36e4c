//go:build !unix

package main

import (
	"os"
	"os/exec"
)

// ownProcessGroup leaves the child in fnbench's group where process groups
// are not Unix's.
func ownProcessGroup(*exec.Cmd) {}

// interruptProcess sends a started child os.Interrupt where the platform
// can, and kills it where it cannot.
func interruptProcess(cmd *exec.Cmd) {
	if cmd != nil && cmd.Process != nil {
		if cmd.Process.Signal(os.Interrupt) != nil {
			cmd.Process.Kill()
		}
	}
}
