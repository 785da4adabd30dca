//go:build darwin || freebsd || openbsd || netbsd || dragonfly

package app

import "syscall"

// ioctlGetTermios reads a terminal's attributes (isTerminal).
const ioctlGetTermios = syscall.TIOCGETA

// sysProcAttr: a process group of its own. macOS and the BSDs have no
// Pdeathsig here: runonce kills the group on every exit path it lives
// through (see child.run), and a watchdog process kills it when runonce is
// killed (watchdog_unix.go).
func sysProcAttr(ownGroup bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: ownGroup}
}
