package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/runonce"
)

// commandError carries the command's exit status (or why it could not run).
type commandError struct {
	code    int  // runonce's exit status
	own     int  // the command's own exit status, for the ledger
	exited  bool // the command ran and exited
	stopped bool // runonce forwarded a signal to it: code is 128+that signal
	msg     string
}

func (e *commandError) Error() string {
	switch {
	case e.msg != "":
		return e.msg
	case e.stopped:
		return fmt.Sprintf("the command was stopped by a signal runonce forwarded (it exited with status %d)", e.own)
	}
	return fmt.Sprintf("command exited with status %d", e.code)
}

// ExitCode lets the ledger record the command's own status.
func (e *commandError) ExitCode() int { return e.own }

// Unwrap marks a command stopped by a forwarded signal as interrupted, so
// the ledger records "interrupted" whatever it exited with.
func (e *commandError) Unwrap() error {
	if e.stopped {
		return runonce.ErrInterrupted
	}
	return nil
}

// child runs the command — exec'd directly, never through a shell — and
// forwards signals to it. Process control that differs by OS is in
// proc_*.go.
type child struct {
	path      string
	argv      []string
	streams   cli.Streams
	killGrace time.Duration
	log       *slog.Logger

	mu        sync.Mutex
	proc      *os.Process
	ownGroup  bool
	forwarded syscall.Signal // the first signal forwarded to it; 0 if none
}

func newChild(path string, argv []string, streams cli.Streams, killGrace time.Duration, log *slog.Logger) *child {
	return &child{path: path, argv: argv, streams: streams, killGrace: killGrace, log: log}
}

// forward sends s to the running command and reports whether one was running.
func (c *child) forward(s os.Signal) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return false
	}
	if c.forwarded == 0 {
		c.forwarded = toSyscall(s)
	}
	c.log.Info("forwarding signal to the command", "signal", s.String())
	signalCommand(c.proc, c.ownGroup, s)
	return true
}

// stdinIsTerminal is whether r is a terminal. A character device is not
// enough: /dev/null is one too, and it is a container's stdin by default.
func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isTerminal(f.Fd())
}

// run starts the command and waits for it. When ctx ends (lock lost, run
// timeout) it stops it: SIGTERM, then SIGKILL after killGrace (on Windows,
// which has no SIGTERM, it is killed at once). A ctx already done starts
// nothing.
func (c *child) run(ctx context.Context) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w: not started: %w", runonce.ErrInterrupted, context.Cause(ctx))
	}
	cmd := exec.Command(c.path, c.argv[1:]...)
	cmd.Args[0] = c.argv[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.streams.In, c.streams.Out, c.streams.Err
	cmd.Env = stepEnviron(ctx, os.Environ())
	// Its own process group, so that stopping it stops what it started (a
	// shell script's children) and a terminal's Ctrl-C reaches it once
	// (through us) rather than twice — except when it reads a terminal,
	// where leaving the foreground group would stop it (SIGTTIN).
	ownGroup := !stdinIsTerminal(c.streams.In)
	cmd.SysProcAttr = sysProcAttr(ownGroup)
	done, err := start(cmd)
	if err != nil {
		code := exitNotExec
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = exitNotFound
		}
		return &commandError{code: code, own: code, msg: fmt.Sprintf("cannot start %q: %v", c.argv[0], err)}
	}
	c.mu.Lock()
	c.proc, c.ownGroup = cmd.Process, ownGroup
	c.mu.Unlock()
	var dog *watchdog
	if ownGroup {
		if dog, err = startWatchdog(cmd.Process.Pid); err != nil {
			c.log.Warn("no watchdog: if runonce is killed, what the command started may run on", "error", err)
		}
	}
	waitErr := c.wait(ctx, done)
	c.mu.Lock()
	// Whatever it left running in its group would run on unprotected once
	// the lock is released.
	killGroup(c.proc, c.ownGroup)
	dog.disarm()
	c.proc = nil
	forwarded := c.forwarded
	c.mu.Unlock()
	return exitError(waitErr, forwarded)
}

// stepEnviron is the command's environment: runonce's own, with the run's
// identity as PGAPPNAME (libpq, pgx, psql and the drivers built on them
// name their sessions after it, so runonce can end them when it stops the
// step and the next holder can end what it left), where the server has
// it, client_connection_check_interval appended to PGOPTIONS (the server
// then ends a dead client's statement by itself), and the holder name as
// RUNONCE_HOLDER, so that a step names itself as the ledger does (issue 21:
// demoapp said pod=HOSTNAME beside holder=demo-0). nil (inherit) when ctx
// is not a step's.
func stepEnviron(ctx context.Context, env []string) []string {
	r, ok := runonce.RunFromContext(ctx)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(env)+2)
	options := ""
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, "PGAPPNAME="), strings.HasPrefix(kv, "RUNONCE_HOLDER="):
			continue
		case strings.HasPrefix(kv, "PGOPTIONS="):
			options = strings.TrimPrefix(kv, "PGOPTIONS=")
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "PGAPPNAME="+r.ApplicationName)
	if r.Holder != "" {
		out = append(out, "RUNONCE_HOLDER="+r.Holder)
	}
	if o := r.PGOptions(options); o != "" {
		out = append(out, "PGOPTIONS="+o)
	}
	return out
}

// wait waits for the command; when ctx ends first, it stops it.
func (c *child) wait(ctx context.Context, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	c.log.Warn("stopping the command", "reason", context.Cause(ctx), "kill_grace", c.killGrace)
	c.mu.Lock()
	terminate(c.proc, c.ownGroup)
	c.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-time.After(c.killGrace):
	}
	c.log.Warn("command ignored SIGTERM; killing it")
	c.mu.Lock()
	killGroup(c.proc, c.ownGroup)
	c.mu.Unlock()
	return <-done
}

// exitError turns the command's end into the error Do records: nil for exit
// 0 unless runonce forwarded a signal to it, which makes it interrupted
// whatever it exited with, and 128+that signal the exit status.
func exitError(waitErr error, forwarded syscall.Signal) error {
	code := 0
	if waitErr != nil {
		var ee *exec.ExitError
		if !errors.As(waitErr, &ee) {
			return fmt.Errorf("wait for command: %w", waitErr)
		}
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	switch {
	case forwarded != 0:
		return &commandError{code: 128 + int(forwarded), own: code, exited: true, stopped: true}
	case code == 0:
		return nil
	}
	return &commandError{code: code, own: code, exited: true}
}

func toSyscall(s os.Signal) syscall.Signal {
	if ss, ok := s.(syscall.Signal); ok {
		return ss
	}
	return syscall.SIGTERM
}
