package app

import (
	"os"
	"syscall"
)

// forwardedSignals: Windows has Ctrl-C (os.Interrupt), and Go delivers a
// console's close, logoff and shutdown events as syscall.SIGTERM. The
// command shares runonce's console and gets each event from it directly;
// runonce notes that it was interrupted (recorded "interrupted", exit
// 128+S) rather than dying with the console and leaving a running row.
var forwardedSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// sysProcAttr: a plain exec.
func sysProcAttr(bool) *syscall.SysProcAttr { return nil }

// signalCommand: the console delivered the signal already.
func signalCommand(*os.Process, bool, os.Signal) {}

// terminate: Windows has no SIGTERM; the command is killed at once
// (TerminateProcess), and --kill-grace does not apply.
func terminate(p *os.Process, _ bool) { _ = p.Kill() }

// killGroup kills the command. Processes it started itself are not reached.
func killGroup(p *os.Process, _ bool) { _ = p.Kill() }
