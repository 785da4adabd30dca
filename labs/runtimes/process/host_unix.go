//go:build unix

package process

import (
	"os/exec"
	"syscall"
	"time"
)

// CheckHost reports whether the process runtime can run here: on every
// Unix it can.
func CheckHost() error { return nil }

// stop ends a process and its children (its process group): SIGTERM, then
// SIGKILL after grace.
func stop(cmd *exec.Cmd, grace time.Duration, exited <-chan struct{}) {
	if cmd.Process == nil {
		return
	}
	pgid := -cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-exited:
		// The leader is gone; make sure no child lingers on.
		_ = syscall.Kill(pgid, syscall.SIGKILL)
	case <-t.C:
		_ = syscall.Kill(pgid, syscall.SIGKILL)
	}
}
