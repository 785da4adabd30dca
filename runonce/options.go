package runonce

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"time"
	"unicode/utf8"
)

// Options say what to run once and how long to wait for it.
type Options struct {
	// Name identifies the step, e.g. "schema". Required; at most 200
	// characters, printable.
	Name string
	// Version makes the step run once per (Name, Version), e.g. an image tag.
	// Empty means serialize only: every caller runs the step, one at a time.
	Version string
	// Holder names this replica in the ledger and in pg_stat_activity.
	// Defaults to the host name (a pod's name in Kubernetes).
	Holder string
	// Schema holds the ledger table. Defaults to "runonce".
	Schema string
	// WaitTimeout bounds the time spent connecting and waiting for the lock.
	// Defaults to 10 minutes.
	WaitTimeout time.Duration
	// RunTimeout bounds the step itself; its context is cancelled with
	// ErrRunTimeout when it passes. Zero means no limit.
	RunTimeout time.Duration
	// Lease is how long the server keeps the lock of a holder it no longer
	// hears from (idle_in_transaction_session_timeout). The holder heartbeats
	// every Lease/5 and stops the step at most 2×Lease/5 after the last
	// answered heartbeat; the step then has StopGrace (at most
	// StopBound(Lease) = Lease/2) to stop. While waiting, a statement
	// unanswered for a Lease starts the attempt over on new connections.
	// Defaults to 15 seconds; at least 1 second.
	Lease time.Duration
	// StopGrace is how long the step takes, at most, to stop once its
	// context is cancelled (the CLI's --kill-grace). It is recorded in the
	// running row: a next holder that finds the run open waits that long
	// (plus Lease/5) for it. Defaults to StopBound(Lease); at most that.
	StopGrace time.Duration
	// TransactionPooler says the connection goes through PgBouncer (or
	// another pooler) in transaction mode. LISTEN does not work there, so
	// waiters only poll. Exclusion holds either way.
	TransactionPooler bool
	// Logger receives progress. Defaults to slog.Default().
	Logger *slog.Logger
}

const (
	defaultSchema      = "runonce"
	defaultWaitTimeout = 10 * time.Minute
	defaultLease       = 15 * time.Second
	maxNameLen         = 200
)

var schemaRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// withDefaults validates o and fills in defaults. Errors wrap ErrInvalidOptions.
func (o Options) withDefaults() (Options, error) {
	invalid := func(format string, args ...any) (Options, error) {
		return o, fmt.Errorf("%w: %s", ErrInvalidOptions, fmt.Sprintf(format, args...))
	}
	switch {
	case o.Name == "":
		return invalid("a name is required, e.g. schema")
	case utf8.RuneCountInString(o.Name) > maxNameLen:
		return invalid("name is %d characters; at most %d", utf8.RuneCountInString(o.Name), maxNameLen)
	case !printable(o.Name):
		return invalid("name %q has control characters", o.Name)
	case utf8.RuneCountInString(o.Version) > maxNameLen || !printable(o.Version):
		return invalid("version must be at most %d printable characters", maxNameLen)
	case o.WaitTimeout < 0 || o.RunTimeout < 0:
		return invalid("timeouts cannot be negative")
	case o.Lease != 0 && o.Lease < time.Second:
		return invalid("lease %v is too short: at least 1s (heartbeats run every lease/5)", o.Lease)
	case o.StopGrace < 0:
		return invalid("stop grace %v is negative", o.StopGrace)
	case o.StopGrace > StopBound(o.Lease):
		return invalid("stop grace %v leaves no margin under lease %v: at most %v (lease/2)", o.StopGrace, o.Lease, StopBound(o.Lease))
	}
	if o.Schema == "" {
		o.Schema = defaultSchema
	}
	if !schemaRE.MatchString(o.Schema) {
		return invalid("schema %q: use lower-case letters, digits and _ (at most 63)", o.Schema)
	}
	if o.Holder == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = fmt.Sprintf("pid-%d", os.Getpid())
		}
		o.Holder = h
	}
	if !printable(o.Holder) || utf8.RuneCountInString(o.Holder) > maxNameLen {
		return invalid("holder must be at most %d printable characters", maxNameLen)
	}
	if o.WaitTimeout == 0 {
		o.WaitTimeout = defaultWaitTimeout
	}
	if o.Lease == 0 {
		o.Lease = defaultLease
	}
	if o.StopGrace == 0 {
		o.StopGrace = StopBound(o.Lease)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

// heartbeat is how often the holder proves it is alive; also the longest a
// heartbeat may take before the holder assumes the lock is lost.
func (o Options) heartbeat() time.Duration { return o.Lease / 5 }

// StopBound is how long a step has, once its context is cancelled, to stop:
// a holder cut off from the server cancels its step at most 2×lease/5 after
// its last answered heartbeat, and the server frees the lock at lease, so
// lease/2 leaves lease/10 for the stop to be seen. The CLI refuses a
// --kill-grace above it. A zero lease is the default lease, as in Options.
func StopBound(lease time.Duration) time.Duration {
	if lease == 0 {
		lease = defaultLease
	}
	return lease / 2
}

// Sentinel errors. Callers branch on them with errors.Is; the CLI maps each to
// its own exit code and adds the flag to change. Their texts state facts.
var (
	// ErrInvalidOptions is returned by Do and ReadStatus for options that
	// cannot work (no name, a bad schema name, a lease under 1s).
	ErrInvalidOptions = errors.New("invalid options")
	// ErrWaitTimeout is returned by Do when WaitTimeout passed before the
	// lock could be taken (or the database reached). Nothing ran.
	ErrWaitTimeout = errors.New("timed out waiting for the lock")
	// ErrLockLost is the cause of the step's context cancellation, and Do's
	// error, when a heartbeat failed while the step ran: the server may have
	// freed the lock, so the step must stop.
	ErrLockLost = errors.New("lock lost while running")
	// ErrRunTimeout is the cause of the step's context cancellation, and Do's
	// error, when RunTimeout passed.
	ErrRunTimeout = errors.New("run timed out")
	// ErrRefused is returned by Do when the target is unsafe to lock on: a
	// hot standby (advisory locks there do not exclude the primary).
	ErrRefused = errors.New("refused")
	// ErrUnavailable wraps errors reaching the database: a wrong password, a
	// missing database, a host that does not resolve, a server that did not
	// answer before WaitTimeout.
	ErrUnavailable = errors.New("database unavailable")
	// ErrInterrupted may be wrapped by a step's error to say it was stopped
	// from outside (a signal), so the ledger records "interrupted" rather
	// than "failed", whatever the step's exit status. Do returns it (wrapped)
	// when ctx ended before the step started: nothing ran.
	ErrInterrupted = errors.New("interrupted")
)
