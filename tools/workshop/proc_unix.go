//go:build unix

package workshop

import (
	"os/exec"
	"syscall"
	"time"
)

// newGroup starts cmd in a process group of its own, so that what it
// leaves in the background can be stopped with it.
func newGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(pgid int) error {
	return syscall.Kill(-pgid, syscall.SIGKILL)
}

// StopGroups asks each process group to stop (SIGTERM: pgtemp removes its
// server), waits up to 10 s for them to go, then kills what is left.
func StopGroups(pgids []int) {
	alive := func() bool {
		for _, g := range pgids {
			if syscall.Kill(-g, 0) == nil {
				return true
			}
		}
		return false
	}
	for _, g := range pgids {
		_ = syscall.Kill(-g, syscall.SIGTERM)
	}
	for deadline := time.Now().Add(10 * time.Second); alive() && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	for _, g := range pgids {
		_ = syscall.Kill(-g, syscall.SIGKILL)
	}
}
