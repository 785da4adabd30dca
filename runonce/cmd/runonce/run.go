package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/runonce"
)

// Exit codes other than the command's own; documented in main.go.
const (
	exitUsage       = 64
	exitUnavailable = 69
	exitSoftware    = 70
	exitWaitTimeout = 75
	exitLockLost    = 76
	exitRefused     = 77
	exitRunTimeout  = 124
	exitNotExec     = 126
	exitNotFound    = 127
)

// errUsage marks usage errors (exit 64).
var errUsage = errors.New("usage")

// signalError says runonce itself got a signal while waiting.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string {
	return fmt.Sprintf("got %v while waiting for the lock; nothing ran", e.sig)
}

// exitCode maps an error from Run to the process's exit status, in one place.
func exitCode(err error) int {
	var se signalError
	var ce *commandError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage), errors.Is(err, runonce.ErrInvalidOptions):
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
	}
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		return exitUnavailable
	}
	return exitSoftware
}

// isCommandStatus says the error is only the command's exit status, which
// the command has explained on its own stderr.
func isCommandStatus(err error) bool {
	var ce *commandError
	return errors.As(err, &ce) && ce.exited && !errors.Is(err, runonce.ErrLockLost) && !errors.Is(err, runonce.ErrRunTimeout)
}

type config struct {
	dsn, dsnFile            string
	name, version, holder   string
	schema                  string
	waitTimeout, runTimeout time.Duration
	lease, killGrace        time.Duration
	transactionPooler       bool
	logFormat, logLevel     string
	statusJSON              bool
	statusLimit             int
}

func flags(name string, c *config, stderr io.Writer, status bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.dsn, "dsn", "", "PostgreSQL URL or key=value DSN (default: PG* environment variables)")
	fs.StringVar(&c.dsnFile, "dsn-file", "", "read the DSN from this file (e.g. a mounted Secret)")
	fs.StringVar(&c.name, "name", "", "name of the step, e.g. schema (required to run)")
	fs.StringVar(&c.schema, "schema", "runonce", "schema of the ledger table")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	if status {
		fs.BoolVar(&c.statusJSON, "json", false, "print the status as JSON")
		fs.IntVar(&c.statusLimit, "limit", 20, "ledger rows to show per step")
	} else {
		fs.StringVar(&c.version, "version", "", "run once per this version, e.g. the image tag (empty: serialize only, every caller runs)")
		fs.StringVar(&c.holder, "holder", "", "name of this replica in the ledger (default: host name, i.e. the pod name)")
		fs.DurationVar(&c.waitTimeout, "wait-timeout", 10*time.Minute, "give up waiting for the lock (and the database) after this long")
		fs.DurationVar(&c.runTimeout, "run-timeout", 0, "stop the command after this long (0: no limit)")
		fs.DurationVar(&c.lease, "lease", 15*time.Second, "the server frees the lock of a holder silent this long; heartbeats every lease/5")
		fs.DurationVar(&c.killGrace, "kill-grace", 0, "after SIGTERM, wait this long before SIGKILL (default: lease/3)")
		fs.BoolVar(&c.transactionPooler, "transaction-pooler", false, "the DSN points at PgBouncer in transaction mode: do not LISTEN, only poll")
	}
	// RUNONCE_<FLAG> sets a flag's default; a flag on the command line wins.
	fs.VisitAll(func(f *flag.Flag) {
		env := "RUNONCE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok && v != "" {
			if err := f.Value.Set(v); err == nil {
				f.DefValue = v
			} else {
				fmt.Fprintf(stderr, "runonce: ignoring %s=%q: %v\n", env, v, err)
			}
		}
	})
	fs.Usage = func() {
		if status {
			fmt.Fprintf(stderr, "usage: runonce status [--name NAME] [flags]\n\nShows the ledger, the holder and the waiters.\n\nflags:\n")
		} else {
			fmt.Fprintf(stderr, "usage: runonce --name NAME [--version V] [flags] -- COMMAND [ARG...]\n       runonce status [--name NAME]\n\n"+
				"Runs COMMAND once per (NAME, V) across all replicas; without --version, one replica at a time.\n"+
				"Every flag may also be set as RUNONCE_<FLAG>.\n\nflags:\n")
		}
		fs.PrintDefaults()
	}
	return fs
}

// Run is the whole CLI, testable in-process.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "status" {
		return runStatus(ctx, args[1:], stdout, stderr)
	}
	var c config
	fs := flags("runonce", &c, stderr, false)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v (see runonce --help)", errUsage, err)
	}
	argv := fs.Args()
	if len(argv) == 0 {
		return fmt.Errorf("%w: no command to run; usage: runonce --name NAME [--version V] -- COMMAND [ARG...]", errUsage)
	}
	log, err := newLogger(stderr, c.logFormat, c.logLevel)
	if err != nil {
		return err
	}
	// Check the command before touching the database: a typo must not take
	// the lock, fail, and make every replica queue behind it.
	path, err := exec.LookPath(argv[0])
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return &commandError{code: exitNotFound, msg: fmt.Sprintf("command %q not found (looked in PATH); nothing ran", argv[0])}
		}
		return &commandError{code: exitNotExec, msg: fmt.Sprintf("command %q cannot be run: %v; nothing ran", argv[0], err)}
	}
	cfg, err := parseDSN(c)
	if err != nil {
		return err
	}
	if c.killGrace == 0 {
		c.killGrace = c.lease / 3
	}
	if c.killGrace > c.lease*3/5 {
		// A partitioned holder stops its step at most 2×lease/5 after its
		// last heartbeat; the server frees the lock at lease. A longer grace
		// lets the step outlive the lock.
		log.Warn("--kill-grace is longer than 3×lease/5: a holder cut off from the database may keep its step running after the lock is free; raise --lease or shorten --kill-grace",
			"kill_grace", c.killGrace, "lease", c.lease)
	}
	opts := runonce.Options{
		Name: c.name, Version: c.version, Holder: c.holder, Schema: c.schema,
		WaitTimeout: c.waitTimeout, RunTimeout: c.runTimeout, Lease: c.lease,
		TransactionPooler: c.transactionPooler, Logger: log,
	}

	// Signals: while waiting they end the wait; while the command runs they
	// are forwarded to it (a pod being deleted mid-step).
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	waitCtx, cancelWait := context.WithCancelCause(ctx)
	defer cancelWait(nil)
	child := newChild(path, argv, stdin, stdout, stderr, c.killGrace, log)
	go func() {
		for s := range sigs {
			if !child.forward(s) {
				cancelWait(signalError{s.(syscall.Signal)})
			}
		}
	}()
	res, err := runonce.Do(waitCtx, cfg, opts, child.run)
	if err != nil {
		var se signalError
		if cause := context.Cause(waitCtx); errors.As(cause, &se) && !res.Ran {
			return se
		}
		return redact(err, cfg.Password)
	}
	return nil
}

func parseDSN(c config) (*pgx.ConnConfig, error) {
	dsn := c.dsn
	if c.dsnFile != "" {
		if dsn != "" {
			return nil, fmt.Errorf("%w: give --dsn or --dsn-file, not both", errUsage)
		}
		b, err := os.ReadFile(c.dsnFile)
		if err != nil {
			return nil, fmt.Errorf("%w: read --dsn-file: %v", errUsage, err)
		}
		dsn = strings.TrimSpace(string(b))
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx redacts the password from its parse errors; redactDSN is a
		// second guard for shapes it cannot parse.
		return nil, fmt.Errorf("%w: invalid DSN: %s; expected postgres://user:password@host:5432/db or \"host=... user=... dbname=...\"", errUsage, redactDSN(err.Error()))
	}
	return cfg, nil
}

var (
	urlPassword = regexp.MustCompile(`(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@`)
	kvPassword  = regexp.MustCompile(`(password\s*=\s*)('[^']*'|\S+)`)
)

func redactDSN(s string) string {
	s = urlPassword.ReplaceAllString(s, "${1}xxxxx@")
	return kvPassword.ReplaceAllString(s, "${1}xxxxx")
}

// redact removes a password that slipped into an error's text. It keeps the
// error's identity for exitCode.
func redact(err error, password string) error {
	msg := redactDSN(err.Error())
	if len(password) >= 3 {
		msg = strings.ReplaceAll(msg, password, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: use debug, info, warn or error", errUsage, level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("%w: --log-format %q: use text or json", errUsage, format)
}

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flags("runonce status", &c, stderr, true)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: runonce status takes no arguments, got %q", errUsage, fs.Args())
	}
	cfg, err := parseDSN(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sts, err := runonce.ReadStatus(ctx, cfg, c.schema, c.name, c.statusLimit)
	if err != nil {
		return redact(err, cfg.Password)
	}
	if c.statusJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sts)
	}
	printStatus(stdout, sts)
	return nil
}

func printStatus(w io.Writer, sts []runonce.Status) {
	if len(sts) == 0 {
		fmt.Fprintln(w, "no steps recorded yet")
		return
	}
	for i, st := range sts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "step %q — lock key %d (pg_locks: locktype=advisory classid=%d objid=%d objsubid=1)\n", st.Name, st.Key, st.ClassID, st.ObjID)
		if st.Holder != nil {
			fmt.Fprintf(w, "  holder:  %s (pid %d %s) for %v\n", st.Holder.ApplicationName, st.Holder.PID, st.Holder.ClientAddr, st.Holder.Since.Round(time.Second))
		} else {
			fmt.Fprintln(w, "  holder:  none (lock free)")
		}
		fmt.Fprintf(w, "  waiters: %d\n", len(st.Waiters))
		for _, s := range st.Waiters {
			fmt.Fprintf(w, "    %s (pid %d %s) for %v\n", s.ApplicationName, s.PID, s.ClientAddr, s.Since.Round(time.Second))
		}
		if len(st.Runs) == 0 {
			fmt.Fprintln(w, "  runs:    none")
			continue
		}
		fmt.Fprintln(w, "  runs (newest first):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "    ID\tVERSION\tHOLDER\tSTATUS\tEXIT\tSTARTED\tTOOK\tERROR")
		for _, r := range st.Runs {
			exit, took := "-", "-"
			if r.ExitCode != nil {
				exit = fmt.Sprint(*r.ExitCode)
			}
			if r.FinishedAt != nil {
				took = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
			}
			version := r.Version
			if version == "" {
				version = "-"
			}
			fmt.Fprintf(tw, "    %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, version, r.Holder, r.Status, exit,
				r.StartedAt.UTC().Format(time.RFC3339), took, r.Error)
		}
		tw.Flush()
	}
}
