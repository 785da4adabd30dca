//go:build unix && !linux

package process

import "syscall"

// A process group of its own lets stop reach the program's children.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
