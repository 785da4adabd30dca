//go:build unix

package controlplane

import (
	"errors"
	"syscall"
)

const supportedOS = true

// signalGroup sends sig to the process group led by pid.
func signalGroup(pid int, sig syscall.Signal) error {
	err := syscall.Kill(-pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil // already gone
	}
	return err
}

var (
	sigTerm = syscall.SIGTERM
	sigKill = syscall.SIGKILL
)
