//go:build unix

package app

import (
	"os"
	"syscall"
)

// forwardedSignals are passed on to a running command (a pod being deleted
// sends SIGTERM).
var forwardedSignals = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP}

// signalCommand sends s to the command's whole process group when it has
// its own, so a shell script's children get it too.
func signalCommand(p *os.Process, ownGroup bool, s os.Signal) {
	if ownGroup {
		_ = syscall.Kill(-p.Pid, toSyscall(s))
		return
	}
	_ = p.Signal(s)
}

// terminate asks the command to stop.
func terminate(p *os.Process, ownGroup bool) { signalCommand(p, ownGroup, syscall.SIGTERM) }

// killGroup kills the command and, when it has its own group, everything
// left in it.
func killGroup(p *os.Process, ownGroup bool) { signalCommand(p, ownGroup, syscall.SIGKILL) }
