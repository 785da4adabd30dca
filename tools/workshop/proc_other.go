//go:build !unix

package workshop

import (
	"errors"
	"os/exec"
)

// Systems without process groups (Windows) run the exercises under WSL2;
// here RunStep starts the step without a group of its own and StopGroups
// does nothing.
func newGroup(*exec.Cmd)  {}
func killGroup(int) error { return errors.ErrUnsupported }

// StopGroups does nothing on systems without process groups.
func StopGroups([]int) {}
