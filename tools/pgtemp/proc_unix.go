//go:build !windows

package pgtemp

import "syscall"

// sysProcAttr puts a server process in a process group of its own (a
// Ctrl-C in the terminal reaches the lab, which then stops the server in
// order, not the server first) and runs it as acct when pgtemp runs as root.
func sysProcAttr(acct *account) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	if acct != nil {
		attr.Credential = &syscall.Credential{Uid: uint32(acct.uid), Gid: uint32(acct.gid)}
	}
	return attr
}

// checkPlatform says whether pgtemp can start a server here.
func checkPlatform() error { return nil }
