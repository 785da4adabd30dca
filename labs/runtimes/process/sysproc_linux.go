package process

import "syscall"

// A process group of its own lets stop reach the program's children (runonce
// runs the migration as one); Pdeathsig ends a replica whose lab died.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
