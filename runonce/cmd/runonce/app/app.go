package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/runonce"
)

// Exit codes other than the command's own; documented in doc.go.
const (
	exitUsage       = cli.ExitUsage
	exitUnavailable = 69
	exitSoftware    = 70
	exitWaitTimeout = 75
	exitLockLost    = 76
	exitRefused     = 77
	exitRunTimeout  = 124
	exitNotExec     = 126
	exitNotFound    = 127
)

// signalError says runonce itself got a signal while waiting.
type signalError struct {
	sig syscall.Signal
	ran bool // the command had run
}

func (e signalError) Error() string {
	if e.ran {
		return fmt.Sprintf("got %v while the command ran; recorded interrupted", e.sig)
	}
	return fmt.Sprintf("got %v while waiting for the lock; nothing ran", e.sig)
}

// ExitCode maps an error from Run to the process's exit status, in one place.
func ExitCode(err error) int {
	var se signalError
	var ce *commandError
	switch {
	case err == nil, errors.Is(err, cli.ErrHelp):
		return 0
	case cli.IsUsage(err), errors.Is(err, runonce.ErrInvalidOptions):
		return exitUsage
	case errors.Is(err, runonce.ErrLockLost):
		return exitLockLost
	case errors.Is(err, runonce.ErrRunTimeout):
		return exitRunTimeout
	case errors.As(err, &se):
		return 128 + int(se.sig)
	case errors.As(err, &ce):
		return ce.code
	case errors.Is(err, runonce.ErrWaitTimeout):
		return exitWaitTimeout
	case errors.Is(err, runonce.ErrRefused):
		return exitRefused
	case errors.Is(err, runonce.ErrUnavailable):
		return exitUnavailable
	case errors.Is(err, runonce.ErrInterrupted):
		// Interrupted from outside without a signal of its own (a caller's
		// cancelled context): as SIGTERM.
		return 128 + int(syscall.SIGTERM)
	}
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		return exitUnavailable
	}
	return cli.ExitCode(err, exitSoftware)
}

// Report prints err as every command does ("runonce: ..."), except when it
// is only the command's exit status, which the command has explained on its
// own stderr.
func Report(w io.Writer, err error) {
	var ce *commandError
	if errors.As(err, &ce) && ce.exited && !ce.stopped && !errors.Is(err, runonce.ErrLockLost) && !errors.Is(err, runonce.ErrRunTimeout) {
		return
	}
	cli.Report(w, "runonce", err)
}

// Run is the whole CLI: `runonce status ...` or `runonce [flags] -- COMMAND`.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	if len(args) > 0 && args[0] == "status" {
		return runStatus(ctx, streams, args[1:])
	}
	if len(args) > 0 && args[0] == watchdogArg {
		return runWatchdog(args[1:])
	}
	c, argv, err := parseRunFlags(args, streams)
	if err != nil {
		return err
	}
	log, err := newLogger(streams.Err, c.logFormat, c.logLevel)
	if err != nil {
		return err
	}
	// Check the command before touching the database: a typo must not take
	// the lock, fail, and make every replica queue behind it.
	path, err := lookCommand(argv[0])
	if err != nil {
		return err
	}
	cfg, err := c.connConfig()
	if err != nil {
		return err
	}
	opts := runonce.Options{
		Name: c.name, Version: c.version, Holder: c.holder, Schema: c.schema,
		WaitTimeout: c.waitTimeout, RunTimeout: c.runTimeout, Lease: c.lease,
		StopGrace: c.killGrace, TransactionPooler: c.transactionPooler, Logger: log,
	}
	err = runCommand(ctx, streams, opts, cfg, newChild(path, argv, streams, c.killGrace, log))
	return withHint(redact(err, cfg.Password), c)
}

func lookCommand(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	// A DSN given as the command (a forgotten --dsn) must not be printed
	// with its password.
	shown := redactDSN(name)
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return "", &commandError{code: exitNotFound, own: exitNotFound, msg: fmt.Sprintf("command %q not found (looked in PATH); nothing ran", shown)}
	case errors.Is(err, fs.ErrNotExist):
		// Given by path (./migrate, /app/migrate): it is not there.
		return "", &commandError{code: exitNotFound, own: exitNotFound, msg: fmt.Sprintf("command %q not found; nothing ran", shown)}
	}
	return "", &commandError{code: exitNotExec, own: exitNotExec, msg: fmt.Sprintf("command %q cannot be run: %s; nothing ran", shown, scrubDSN(err.Error(), name))}
}

// runCommand runs the child under runonce.Do. Signals: while waiting they
// end the wait; while the command runs they are forwarded to it (a pod being
// deleted mid-step).
func runCommand(ctx context.Context, streams cli.Streams, opts runonce.Options, cfg *pgx.ConnConfig, child *child) error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	waitCtx, cancelWait := context.WithCancelCause(ctx)
	defer cancelWait(nil)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case s := <-sigs:
				if !child.forward(s) {
					cancelWait(signalError{sig: toSyscall(s)})
				}
			}
		}
	}()
	res, err := runonce.Do(waitCtx, cfg, opts, child.run)
	if err != nil {
		var se signalError
		cause := context.Cause(waitCtx)
		switch {
		case errors.As(cause, &se) && !res.Ran:
			return se
		case errors.As(cause, &se) && errors.Is(err, runonce.ErrInterrupted):
			// The signal came as the command exited on its own: it was
			// told nothing, yet runonce was told to stop; recorded
			// interrupted, exit 128+S as for any signal mid-step.
			se.ran = true
			return fmt.Errorf("%w: %w", se, err)
		}
		return err
	}
	return nil
}

// withHint adds the flag to change to the library's statement of fact.
func withHint(err error, c config) error {
	hint := ""
	switch {
	case err == nil:
		return nil
	case errors.Is(err, runonce.ErrWaitTimeout):
		hint = fmt.Sprintf("raise --wait-timeout, or see who holds it with `runonce status --name %s`", c.name)
	case errors.Is(err, runonce.ErrRefused):
		hint = "point --dsn at the primary"
	case errors.Is(err, runonce.ErrInvalidOptions) && c.name == "":
		hint = "set --name or RUNONCE_NAME"
	case errors.Is(err, runonce.ErrUnavailable) && isLoginError(err):
		hint = "check the user and password in --dsn, --dsn-file, RUNONCE_DSN or PGPASSWORD"
	}
	if hint == "" {
		return err
	}
	return &hintedError{err: err, hint: hint}
}

func isLoginError(err error) bool {
	var pgErr interface{ SQLState() string }
	return errors.As(err, &pgErr) && (pgErr.SQLState() == "28P01" || pgErr.SQLState() == "28000")
}

type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return e.err.Error() + "; " + e.hint }
func (e *hintedError) Unwrap() error { return e.err }

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, cli.Usagef("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, cli.Usagef("--log-format %q: use text or json", format)
}

// statusTimeout bounds `runonce status`: it retries a full or starting
// server within it.
const statusTimeout = 30 * time.Second
