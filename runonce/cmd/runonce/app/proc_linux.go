package app

import (
	"os/exec"
	"runtime"
	"syscall"
)

// ioctlGetTermios reads a terminal's attributes (isTerminal).
const ioctlGetTermios = syscall.TCGETS

// sysProcAttr: a process group of its own, and Pdeathsig so that the kernel
// SIGKILLs the command if runonce dies without stopping it (SIGKILL, OOM):
// the command must not run on unprotected while another replica takes the
// lock. Pdeathsig reaches the direct child only; what the command started
// in its group is killed by runonce on every other exit path (see
// child.run), and by the watchdog when runonce is killed
// (watchdog_unix.go).
func sysProcAttr(ownGroup bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: ownGroup, Pdeathsig: syscall.SIGKILL}
}

// start starts cmd and returns a channel that yields cmd.Wait's result.
// Pdeathsig fires when the thread that forked exits, not the process: the
// goroutine that starts the command keeps its thread until the command has
// exited.
func start(cmd *exec.Cmd) (<-chan error, error) {
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	return done, <-started
}
