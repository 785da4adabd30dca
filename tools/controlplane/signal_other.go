//go:build !unix

package controlplane

import "syscall"

// The control plane needs process groups (and etcd, which does not support
// Windows); Start says so at run time through ErrUnsupportedOS, and this
// file only lets the package build for every workshop laptop.
const supportedOS = false

func sysProcAttr() *syscall.SysProcAttr { return nil }

func signalGroup(pid int, sig syscall.Signal) error { return ErrUnsupportedOS }

var (
	sigTerm = syscall.Signal(15)
	sigKill = syscall.Signal(9)
)
