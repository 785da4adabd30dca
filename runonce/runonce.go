package runonce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Result says what Do did.
type Result struct {
	// Ran is true when the step ran in this call (whatever its outcome).
	Ran bool
	// Skipped is true when (Name, Version) had already succeeded, so the
	// step did not run.
	Skipped bool
	// RunID is the ledger row of the run, when it ran.
	RunID int64
	// Waited is the time from the call to taking the lock (or to skipping).
	Waited time.Duration
	// Abandoned lists the ledger rows of earlier holders that died mid-run,
	// marked "abandoned" by this call.
	Abandoned []int64
}

// ExitCoder is implemented by a step's error that carries a process exit
// status, like *exec.ExitError; the ledger records the code.
type ExitCoder interface{ ExitCode() int }

// Do runs fn once per (opts.Name, opts.Version), or, with no Version, one
// caller at a time. See the package doc for the guarantees.
//
// fn's context is cancelled when the lock is lost (cause ErrLockLost), when
// RunTimeout passes (cause ErrRunTimeout) or when ctx ends; fn must then stop
// promptly. Do returns fn's own error when fn ran and failed, so that
// errors.As finds an ExitCoder in it; ErrLockLost or ErrRunTimeout (wrapping
// fn's error) when those stopped it; ErrWaitTimeout, ErrRefused,
// ErrUnavailable or ErrInvalidOptions when fn did not run.
//
// cfg is read, never changed: parse it with pgx.ParseConfig (an empty
// string reads the PG* environment variables).
func Do(ctx context.Context, cfg *pgx.ConnConfig, opts Options, fn func(ctx context.Context) error) (Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return Result{}, err
	}
	if cfg == nil {
		return Result{}, fmt.Errorf("%w: no connection config", ErrInvalidOptions)
	}
	if fn == nil {
		return Result{}, fmt.Errorf("%w: no function to run", ErrInvalidOptions)
	}
	key := LockKey(o.Schema, o.Name)
	r := &runner{
		o:       o,
		cfg:     connConfig(cfg, o),
		log:     o.Logger.With("name", o.Name, "version", o.Version, "holder", o.Holder),
		ledger:  newLedger(o.Schema),
		key:     key,
		keyLit:  strconv.FormatInt(key, 10),
		channel: channel(key),
		start:   time.Now(),
	}
	return r.do(ctx, fn)
}

type runner struct {
	o       Options
	cfg     *pgx.ConnConfig
	log     *slog.Logger
	ledger  ledger
	key     int64
	keyLit  string
	channel string
	prelude string
	start   time.Time
}

// bounded is the one bound runonce puts on a statement, and on a wait that
// must not outlive the lock: a lease. Over it, a server or a pooler that
// does not answer is taken as gone — while waiting, the attempt starts over
// on new connections instead of sitting until WaitTimeout (a connection
// silently cut, a session pooler holding a replica's second connection back);
// while holding, the server has freed the lock by then anyway.
func (r *runner) bounded(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, r.o.Lease)
}

// session is one attempt's pair of connections: ledger (autocommit: reads,
// LISTEN, the "running" row) and lock (the transaction holding the lock),
// both on the server the ledger connection reached.
type session struct {
	ledger, lock *pgx.Conn
	server       string // serverIdentitySQL of the ledger connection
	listening    bool
	pg14         bool // the server ends sessions and waits (pg_terminate_backend with a timeout)
}

func (s *session) close(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	for _, c := range []*pgx.Conn{s.lock, s.ledger} {
		if c != nil {
			_ = c.Close(ctx)
		}
	}
}

func (r *runner) do(ctx context.Context, fn func(context.Context) error) (Result, error) {
	waitCtx, cancel := context.WithTimeoutCause(ctx, r.o.WaitTimeout, ErrWaitTimeout)
	defer cancel()
	delay := 50 * time.Millisecond
	var abandoned []int64
	for {
		res, err := r.attempt(ctx, waitCtx, fn)
		// An attempt that marked earlier runs abandoned and then started
		// over must not lose them.
		abandoned = append(abandoned, res.Abandoned...)
		res.Abandoned = abandoned
		if !errors.Is(err, errRetry) {
			if err != nil && !res.Ran && ctx.Err() != nil && !errors.Is(err, ErrInterrupted) {
				// The caller gave up (a signal), not the wait's own clock.
				err = interrupted(ctx)
			}
			return res, err
		}
		if ctx.Err() != nil {
			return res, interrupted(ctx)
		}
		if waitCtx.Err() != nil {
			return res, r.waitTimeout(err)
		}
		r.log.Debug("starting over", "reason", err)
		if sleep(waitCtx, jitter(delay)) != nil {
			if ctx.Err() != nil {
				return res, interrupted(ctx)
			}
			return res, r.waitTimeout(err)
		}
		delay = min(delay*2, 2*time.Second)
	}
}

func interrupted(ctx context.Context) error {
	return fmt.Errorf("%w: %w before the step started; nothing ran", ErrInterrupted, context.Cause(ctx))
}

func (r *runner) waitTimeout(last error) error {
	return fmt.Errorf("%w: waited %v for step %q (last: %v)", ErrWaitTimeout, r.o.WaitTimeout, r.o.Name, last)
}

// attempt connects, waits and runs. errRetry (wrapped) means start over.
func (r *runner) attempt(ctx, waitCtx context.Context, fn func(context.Context) error) (Result, error) {
	s := &session{}
	defer func() { s.close(ctx) }()
	p, err := r.openLedger(waitCtx, s)
	if err != nil {
		return Result{}, err
	}
	if p.done {
		return r.skipped("already succeeded")
	}
	if err := r.openLock(waitCtx, s, p.current); err != nil {
		return Result{}, err
	}
	got, err := r.waitForLock(waitCtx, s)
	if err != nil {
		return Result{}, err
	}
	if !got {
		return r.skipped("succeeded while waiting")
	}
	return r.hold(ctx, s, fn)
}

// openLedger is the fast path: one connection, one query.
func (r *runner) openLedger(waitCtx context.Context, s *session) (probeResult, error) {
	var err error
	if s.ledger, err = connect(waitCtx, r.cfg, r.log, false); err != nil {
		return probeResult{}, err
	}
	s.pg14 = serverVersion(s.ledger) >= 140000
	sctx, cancel := r.bounded(waitCtx)
	p, err := r.ledger.probe(sctx, s.ledger, r.o.Name, r.o.Version)
	cancel()
	if err != nil {
		return p, r.classify(waitCtx, s.ledger, err)
	}
	if p.standby {
		return p, fmt.Errorf("%w: %s", ErrRefused, errStandbyText)
	}
	s.server = p.server
	return p, nil
}

// openLock opens the lock's connection, checks that it reached the ledger's
// server, creates the ledger if needed and LISTENs for the holder's word.
func (r *runner) openLock(waitCtx context.Context, s *session, ledgerCurrent bool) error {
	// Both connections or none: holding one while retrying the other lets a
	// full server (max_connections) deadlock a fleet that each hold one.
	// Behind a session pooler "connected" does not yet mean a server
	// connection; the bound breaks that hold-and-wait.
	sctx, cancel := r.bounded(waitCtx)
	lock, err := connect(sctx, r.cfg, r.log, true)
	bounded := sctx.Err() != nil
	cancel()
	if err != nil {
		if waitCtx.Err() == nil && bounded {
			return fmt.Errorf("%w: second connection: %w", errRetry, err)
		}
		return err
	}
	s.lock = lock
	if err := r.sameServer(waitCtx, s); err != nil {
		return err
	}
	if !ledgerCurrent {
		sctx, cancel := r.bounded(waitCtx)
		err := r.ledger.ensure(sctx, s.ledger)
		cancel()
		if err != nil {
			return r.classify(waitCtx, s.ledger, err)
		}
	}
	r.prelude = r.lockPrelude(s.lock)
	if r.o.TransactionPooler {
		return nil
	}
	sctx, cancel = r.bounded(waitCtx)
	_, err = s.ledger.Exec(sctx, "LISTEN "+pgx.Identifier{r.channel}.Sanitize())
	cancel()
	if err != nil {
		return r.classify(waitCtx, s.ledger, err)
	}
	s.listening = true
	return nil
}

// sameServer checks that the lock's connection reached the server the
// ledger's did. With several hosts in the DSN, or a name that resolves to
// several addresses, a full or starting server makes pgx move on to the
// next: the lock could land on another server (a standby, whose advisory
// locks exclude nobody on the primary) while the ledger is on the primary.
func (r *runner) sameServer(waitCtx context.Context, s *session) error {
	sctx, cancel := r.bounded(waitCtx)
	defer cancel()
	id, err := serverIdentity(sctx, s.lock)
	if err != nil {
		return r.classify(waitCtx, s.lock, err)
	}
	if id != s.server {
		r.log.Warn("the lock's connection reached another server than the ledger's; starting over", "ledger_server", s.server, "lock_server", id)
		return fmt.Errorf("%w: the lock's connection reached %s, the ledger's %s", errRetry, id, s.server)
	}
	return nil
}

// waitForLock polls the lock until it is taken (true), or until the ledger
// says the version succeeded meanwhile (false).
func (r *runner) waitForLock(waitCtx context.Context, s *session) (bool, error) {
	backoff := 25 * time.Millisecond
	for polls := 0; ; polls++ {
		sctx, cancel := r.bounded(waitCtx)
		got, err := tryXactLock(sctx, s.lock, r.prelude, r.keyLit)
		cancel()
		if err != nil {
			return false, r.classify(waitCtx, s.lock, err)
		}
		if got {
			return true, nil
		}
		if polls == 0 {
			sctx, cancel = r.bounded(waitCtx)
			r.log.Info("waiting for lock", "held_by", r.describeHolder(sctx, s.ledger))
			cancel()
		}
		if done, err := r.succeeded(waitCtx, s); err != nil || done {
			return false, err
		}
		payload, err := r.pause(waitCtx, s, jitter(backoff))
		if err != nil {
			return false, r.classify(waitCtx, s.ledger, err)
		}
		// The holder's word, on our channel, is checked against our own
		// ledger before skipping: one query.
		if payload == notifyPayload(RunStateSucceeded, r.o.Version) {
			if done, err := r.succeeded(waitCtx, s); err != nil || done {
				return false, err
			}
		}
		backoff = min(backoff*8/5, 1500*time.Millisecond)
	}
}

// succeeded says whether the ledger records (Name, Version) as succeeded;
// false without a version.
func (r *runner) succeeded(waitCtx context.Context, s *session) (bool, error) {
	if r.o.Version == "" {
		return false, nil
	}
	sctx, cancel := r.bounded(waitCtx)
	defer cancel()
	done, err := r.ledger.succeeded(sctx, s.ledger, r.o.Name, r.o.Version)
	if err != nil {
		return false, r.classify(waitCtx, s.ledger, err)
	}
	return done, nil
}

// lockPrelude adds transaction_timeout = 0 on servers that have it (17+), so
// a role's default cannot end the lock's long transaction.
func (r *runner) lockPrelude(conn *pgx.Conn) string {
	v, err := strconv.Atoi(conn.PgConn().ParameterStatus("server_version_num"))
	if err != nil {
		// Older servers and PgBouncer do not report server_version_num.
		major, _ := strconv.Atoi(leadingDigits(conn.PgConn().ParameterStatus("server_version")))
		v = major * 10000
	}
	p := fmt.Sprintf("SET LOCAL idle_in_transaction_session_timeout = %d; ", r.o.Lease.Milliseconds())
	if v >= 170000 {
		p += "SET LOCAL transaction_timeout = 0; "
	}
	return p
}

func leadingDigits(s string) string {
	for i, c := range s {
		if c < '0' || c > '9' {
			return s[:i]
		}
	}
	return s
}

// pause waits for d or for the holder's NOTIFY on our channel, whichever
// comes first, and returns the notification's payload.
func (r *runner) pause(ctx context.Context, s *session, d time.Duration) (string, error) {
	if !s.listening {
		return "", sleep(ctx, d)
	}
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		n, err := s.ledger.WaitForNotification(wctx)
		if err != nil && wctx.Err() != nil && ctx.Err() == nil {
			return "", nil // our own timer: no notification this time
		}
		if err != nil {
			return "", err
		}
		if n != nil && n.Channel == r.channel {
			return n.Payload, nil
		}
		// Another channel (the caller's connection config may LISTEN on
		// its own): not our holder's word.
	}
}

// notifyPayload is what a holder announces when it finishes: the state and
// the version it ran (one channel serves every version of a name).
func notifyPayload(state RunState, version string) string { return string(state) + ":" + version }

// classify turns an error met while waiting into errRetry (the connection
// broke: start over), a wait timeout, or a final error.
func (r *runner) classify(waitCtx context.Context, conn *pgx.Conn, err error) error {
	switch {
	case waitCtx.Err() != nil:
		return fmt.Errorf("%w: %w", errRetry, err)
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrRefused):
		return err
	case isConnError(conn, err):
		r.log.Warn("connection lost while waiting; reconnecting", "error", oneLine(err.Error()))
		return fmt.Errorf("%w: %w", errRetry, err)
	}
	return err
}

func (r *runner) skipped(why string) (Result, error) {
	res := Result{Skipped: true, Waited: time.Since(r.start)}
	r.log.Info("skipped: "+why, "waited", res.Waited.Round(time.Millisecond))
	return res, nil
}

// describeHolder names the session holding the lock, for the waiting log.
func (r *runner) describeHolder(ctx context.Context, conn *pgx.Conn) string {
	classid, objid := lockTagParts(r.key)
	var app string
	var since time.Duration
	err := conn.QueryRow(ctx, `SELECT a.application_name, now() - a.xact_start
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 1`,
		int64(classid), int64(objid)).Scan(&app, &since)
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("%s for %v", app, since.Round(time.Second))
}
