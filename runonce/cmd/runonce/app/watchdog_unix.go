//go:build unix

package app

import (
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
)

// watchdogArg is the hidden first argument that makes runonce a watchdog.
const watchdogArg = "__runonce-watchdog"

// watchdog is a second runonce process that kills the command's process
// group if runonce dies without doing so itself (SIGKILL, OOM): Linux's
// Pdeathsig reaches the direct child only, and macOS has none. It reads a
// pipe whose only writer is runonce: the kernel closes it when runonce dies,
// however it dies. runonce disarms it (one byte, then close) once the group
// is dead; end of file without that byte means runonce is gone.
type watchdog struct{ w *os.File }

// startWatchdog starts the watchdog for process group pgid. A watchdog that
// cannot start is logged by the caller, not fatal: the step still runs, as
// it would have without one.
func startWatchdog(pgid int) (*watchdog, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.Command(self, watchdogArg, strconv.Itoa(pgid))
	cmd.Stdin = r
	// Its own process group: a Ctrl-C or a kill of runonce's group must
	// not take it down with runonce.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, err
	}
	go func() { _ = cmd.Wait() }() // reap it
	return &watchdog{w: w}, nil
}

// disarm tells the watchdog that runonce took care of the group itself.
func (d *watchdog) disarm() {
	if d == nil {
		return
	}
	_, _ = d.w.Write([]byte{1})
	_ = d.w.Close()
}

// runWatchdog is the watchdog process: it waits for runonce's word or death.
func runWatchdog(args []string) error {
	if len(args) != 1 {
		return nil
	}
	pgid, err := strconv.Atoi(args[0])
	if err != nil || pgid <= 1 {
		return nil
	}
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	var b [1]byte
	if n, _ := io.ReadFull(os.Stdin, b[:]); n == 1 {
		return nil // disarmed
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}
