//go:build unix && !linux

package controlplane

import "syscall"

// sysProcAttr puts each component in a process group of its own, so that
// Close stops it and anything it started by one signal, and a Ctrl-C in the
// terminal reaches only us (we then stop them in order). Unlike Linux, there
// is no parent-death signal here: a process killed without Close leaves its
// components running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
