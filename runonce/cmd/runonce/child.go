package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/bloglabs/posts/runonce"
)

// commandError carries the command's exit status (or why it could not run).
type commandError struct {
	code        int
	exited      bool // the command ran and exited with code
	interrupted bool // a signal was forwarded to it before it exited
	msg         string
}

func (e *commandError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return fmt.Sprintf("command exited with status %d", e.code)
}

// ExitCode lets the ledger record the status.
func (e *commandError) ExitCode() int { return e.code }

// Unwrap marks a command stopped by a forwarded signal as interrupted.
func (e *commandError) Unwrap() error {
	if e.interrupted {
		return runonce.ErrInterrupted
	}
	return nil
}

// child runs the command — exec'd directly, never through a shell — and
// forwards signals to it.
type child struct {
	path      string
	argv      []string
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	killGrace time.Duration
	log       *slog.Logger

	mu          sync.Mutex
	proc        *os.Process
	ownGroup    bool
	interrupted bool
}

func newChild(path string, argv []string, stdin io.Reader, stdout, stderr io.Writer, killGrace time.Duration, log *slog.Logger) *child {
	return &child{path: path, argv: argv, stdin: stdin, stdout: stdout, stderr: stderr, killGrace: killGrace, log: log}
}

// forward sends s to the running command and reports whether one was running.
func (c *child) forward(s os.Signal) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return false
	}
	c.interrupted = true
	c.log.Info("forwarding signal to the command", "signal", s.String())
	c.signal(s.(syscall.Signal))
	return true
}

// signal reaches the command's whole process group when it has its own, so a
// shell script's children stop too. Callers hold mu.
func (c *child) signal(s syscall.Signal) {
	if c.ownGroup {
		_ = syscall.Kill(-c.proc.Pid, s)
		return
	}
	_ = c.proc.Signal(s)
}

func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// run starts the command and waits for it. When ctx ends (lock lost, run
// timeout) it sends SIGTERM, then SIGKILL after killGrace.
func (c *child) run(ctx context.Context) error {
	cmd := exec.Command(c.path, c.argv[1:]...)
	cmd.Args[0] = c.argv[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.stdin, c.stdout, c.stderr
	// Its own process group, so a terminal's Ctrl-C reaches it once (through
	// us) rather than twice — except when it reads a terminal, where leaving
	// the foreground group would stop it (SIGTTIN). Pdeathsig: if runonce is
	// SIGKILLed, the command must not run on unprotected while another
	// replica takes the lock.
	interactive := stdinIsTerminal(c.stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: !interactive, Pdeathsig: syscall.SIGKILL}

	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that forked exits; pin this
		// goroutine to its thread until the command has exited.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		code := exitNotExec
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			code = exitNotFound
		}
		return &commandError{code: code, msg: fmt.Sprintf("cannot start %q: %v", c.argv[0], err)}
	}
	c.mu.Lock()
	c.proc, c.ownGroup = cmd.Process, !interactive
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.proc = nil
		c.mu.Unlock()
	}()

	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		c.log.Warn("stopping the command", "reason", context.Cause(ctx), "kill_grace", c.killGrace)
		c.mu.Lock()
		c.signal(syscall.SIGTERM)
		c.mu.Unlock()
		select {
		case waitErr = <-done:
		case <-time.After(c.killGrace):
			c.log.Warn("command ignored SIGTERM; killing it")
			c.mu.Lock()
			c.signal(syscall.SIGKILL)
			c.mu.Unlock()
			waitErr = <-done
		}
	}
	c.mu.Lock()
	interrupted := c.interrupted
	c.mu.Unlock()
	if waitErr == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) {
		return fmt.Errorf("wait for command: %w", waitErr)
	}
	code := ee.ExitCode()
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	return &commandError{code: code, exited: true, interrupted: interrupted}
}
