package app

import (
	"os"
	"syscall"
)

// forwardedSignals: Windows has Ctrl-C (os.Interrupt) only. The command
// shares runonce's console and gets the Ctrl-C from it directly; runonce
// notes that it was interrupted.
var forwardedSignals = []os.Signal{os.Interrupt}

// sysProcAttr: a plain exec.
func sysProcAttr(bool) *syscall.SysProcAttr { return nil }

// signalCommand: the console delivered the signal already.
func signalCommand(*os.Process, bool, os.Signal) {}

// terminate: Windows has no SIGTERM; the command is killed at once
// (TerminateProcess), and --kill-grace does not apply.
func terminate(p *os.Process, _ bool) { _ = p.Kill() }

// killGroup kills the command. Processes it started itself are not reached.
func killGroup(p *os.Process, _ bool) { _ = p.Kill() }
