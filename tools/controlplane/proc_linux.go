package controlplane

import "syscall"

// sysProcAttr puts each component in a process group of its own, so that
// Close stops it and anything it started by one signal, and a Ctrl-C in the
// terminal reaches only us (we then stop them in order). Pdeathsig kills a
// component when the process that started it dies without calling Close (a
// test binary killed by its timeout): no orphaned apiserver keeps 500 MB.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
