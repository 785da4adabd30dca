package app

import "syscall"

// sysProcAttr: a process group of its own. macOS has no Pdeathsig: if
// runonce is SIGKILLed the command is not stopped by the kernel. runonce
// kills the group on every exit path it lives through (see child.run).
func sysProcAttr(ownGroup bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: ownGroup}
}
