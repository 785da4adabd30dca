package runonce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
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
	key := LockKey(o.Name)
	r := &runner{
		o:      o,
		cfg:    connConfig(cfg, o),
		log:    o.Logger.With("name", o.Name, "version", o.Version, "holder", o.Holder),
		ledger: newLedger(o.Schema),
		key:    key,
		keyLit: strconv.FormatInt(key, 10),
		start:  time.Now(),
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
	prelude string
	start   time.Time
}

// session is one attempt's pair of connections: ledger (autocommit: reads,
// LISTEN, the "running" row) and lock (the transaction holding the lock).
type session struct {
	ledger, lock *pgx.Conn
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
	for {
		res, err := r.attempt(ctx, waitCtx, fn)
		if !errors.Is(err, errRetry) {
			return res, err
		}
		if ctx.Err() != nil {
			return res, fmt.Errorf("%w: %w", ErrInterrupted, ctx.Err())
		}
		if waitCtx.Err() != nil {
			return res, r.waitTimeout(err)
		}
		r.log.Debug("starting over", "reason", err)
		if sleep(waitCtx, jitter(delay)) != nil {
			return res, r.waitTimeout(err)
		}
		delay = min(delay*2, 2*time.Second)
	}
}

func (r *runner) waitTimeout(last error) error {
	return fmt.Errorf("%w after %v (name %q; last: %v); raise --wait-timeout, or see who holds it with `runonce status --name %s`",
		ErrWaitTimeout, r.o.WaitTimeout, r.o.Name, last, r.o.Name)
}

// attempt connects, waits and runs. errRetry (wrapped) means start over.
func (r *runner) attempt(ctx, waitCtx context.Context, fn func(context.Context) error) (Result, error) {
	s := &session{}
	defer func() { s.close(ctx) }()
	var err error
	if s.ledger, err = connect(waitCtx, r.cfg, r.log, false); err != nil {
		return Result{}, err
	}
	standby, exists, done, err := r.ledger.probe(waitCtx, s.ledger, r.o.Name, r.o.Version)
	if err != nil {
		return Result{}, r.classify(waitCtx, s.ledger, err)
	}
	if standby {
		return Result{}, fmt.Errorf("%w: the server is a hot standby (pg_is_in_recovery() is true): advisory locks there do not exclude the primary; point the DSN at the primary", ErrRefused)
	}
	if done {
		return r.skipped("already succeeded")
	}
	// Both connections or none: holding one while retrying the other lets a
	// full server (max_connections) deadlock a fleet that each hold one.
	if s.lock, err = connect(waitCtx, r.cfg, r.log, true); err != nil {
		return Result{}, err
	}
	if !exists {
		if err := r.ledger.ensure(waitCtx, s.ledger); err != nil {
			return Result{}, r.classify(waitCtx, s.ledger, err)
		}
	}
	r.prelude = r.lockPrelude(s.lock)
	listening := false
	if !r.o.TransactionPooler {
		if _, err := s.ledger.Exec(waitCtx, "LISTEN "+pgx.Identifier{channel(r.key)}.Sanitize()); err != nil {
			return Result{}, r.classify(waitCtx, s.ledger, err)
		}
		listening = true
	}

	backoff := 25 * time.Millisecond
	for polls := 0; ; polls++ {
		got, err := tryXactLock(waitCtx, s.lock, r.prelude, r.keyLit)
		if err != nil {
			return Result{}, r.classify(waitCtx, s.lock, err)
		}
		if got {
			break
		}
		if polls == 0 {
			r.log.Info("waiting for lock", "held_by", r.describeHolder(waitCtx, s.ledger))
		}
		if r.o.Version != "" {
			done, err := r.ledger.succeeded(waitCtx, s.ledger, r.o.Name, r.o.Version)
			if err != nil {
				return Result{}, r.classify(waitCtx, s.ledger, err)
			}
			if done {
				return r.skipped("succeeded while waiting")
			}
		}
		payload, err := r.pause(waitCtx, s.ledger, listening, jitter(backoff))
		if err != nil {
			return Result{}, r.classify(waitCtx, s.ledger, err)
		}
		// NOTIFY is delivered only once the holder's transaction, and with it
		// the ledger row, has committed: its word is as good as the ledger's.
		if r.o.Version != "" && payload == notifyPayload(StatusSucceeded, r.o.Version) {
			return r.skipped("succeeded while waiting")
		}
		backoff = min(backoff*8/5, 1500*time.Millisecond)
	}
	return r.hold(ctx, s, fn)
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

// pause waits for d or for the holder's NOTIFY, whichever comes first, and
// returns the notification's payload.
func (r *runner) pause(ctx context.Context, conn *pgx.Conn, listening bool, d time.Duration) (string, error) {
	if !listening {
		return "", sleep(ctx, d)
	}
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	n, err := conn.WaitForNotification(wctx)
	if err != nil && wctx.Err() != nil && ctx.Err() == nil {
		return "", nil // our own timer: no notification this time
	}
	if err != nil {
		return "", err
	}
	return n.Payload, nil
}

// notifyPayload is what a holder announces when it finishes: the status and
// the version it ran (one channel serves every version of a name).
func notifyPayload(status, version string) string { return status + ":" + version }

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

// hold runs fn while holding the lock, heartbeating, and records the result.
func (r *runner) hold(ctx context.Context, s *session, fn func(context.Context) error) (Result, error) {
	res := Result{Waited: time.Since(r.start)}
	bg := context.WithoutCancel(ctx)
	stmtCtx, cancel := context.WithTimeout(bg, r.o.Lease)
	defer cancel()
	rollback := func() { _, _ = s.lock.PgConn().Exec(stmtCtx, "ROLLBACK").ReadAll() }

	if r.o.Version != "" {
		// Someone may have finished between our last look and the lock.
		done, err := r.ledger.succeeded(stmtCtx, s.ledger, r.o.Name, r.o.Version)
		if err != nil {
			rollback()
			return res, fmt.Errorf("%w: %w", errRetry, err)
		}
		if done {
			rollback()
			return r.skipped("succeeded while waiting")
		}
	}
	abandoned, err := r.ledger.markAbandoned(stmtCtx, s.ledger, r.o.Name)
	if err != nil {
		rollback()
		return res, fmt.Errorf("%w: %w", errRetry, err)
	}
	for _, a := range abandoned {
		res.Abandoned = append(res.Abandoned, a.ID)
		r.log.Warn("marked an earlier run abandoned: its holder vanished mid-run", "run", a.ID, "its_holder", a.Holder)
	}
	id, err := r.ledger.start(stmtCtx, s.ledger, r.o.Name, r.o.Version, r.o.Holder)
	if err != nil {
		rollback()
		return res, fmt.Errorf("%w: %w", errRetry, err)
	}
	res.Ran, res.RunID = true, id
	r.log.Info("acquired lock; running", "run", id, "waited", res.Waited.Round(time.Millisecond))

	runCtx, cancelRun := context.WithCancelCause(ctx)
	defer cancelRun(nil)
	if r.o.RunTimeout > 0 {
		var c context.CancelFunc
		runCtx, c = context.WithTimeoutCause(runCtx, r.o.RunTimeout, ErrRunTimeout)
		defer c()
	}
	stopBeat := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { r.heartbeat(s.lock, stopBeat, cancelRun) })

	t0 := time.Now()
	fnErr := fn(runCtx)
	took := time.Since(t0)
	close(stopBeat)
	wg.Wait()

	cause := context.Cause(runCtx)
	status, retErr := StatusSucceeded, fnErr
	switch {
	case errors.Is(cause, ErrLockLost):
		status, retErr = StatusInterrupted, fmt.Errorf("%w: the step was stopped because the database stopped answering its heartbeat (%v)", ErrLockLost, fnErr)
	case fnErr == nil:
	case errors.Is(cause, ErrRunTimeout):
		status, retErr = StatusFailed, fmt.Errorf("%w after %v: %w", ErrRunTimeout, r.o.RunTimeout, fnErr)
	case errors.Is(fnErr, ErrInterrupted) || ctx.Err() != nil:
		status = StatusInterrupted
	default:
		status = StatusFailed
	}
	var exitCode *int
	var ec ExitCoder
	if errors.As(fnErr, &ec) {
		c := ec.ExitCode()
		exitCode = &c
	} else if fnErr == nil && status == StatusSucceeded {
		c := 0
		exitCode = &c
	}
	errText := ""
	if retErr != nil {
		errText = oneLine(retErr.Error())
	}

	recCtx, recCancel := context.WithTimeout(bg, r.o.Lease)
	defer recCancel()
	if status == StatusInterrupted && errors.Is(cause, ErrLockLost) {
		// The lock's transaction is gone; say so on the other connection if
		// it still answers. The next holder marks it abandoned otherwise.
		if err := r.ledger.finish(recCtx, s.ledger, id, status, exitCode, errText); err != nil {
			r.log.Warn("could not record the interrupted run", "run", id, "error", oneLine(err.Error()))
		}
		r.log.Error("lock lost while running; step stopped", "run", id, "took", took.Round(time.Millisecond))
		return res, retErr
	}
	// Record and release together: the result commits with the lock's
	// transaction, and waiters are woken by the same commit.
	if err := r.ledger.finishAndRelease(recCtx, s.lock, id, status, exitCode, errText, channel(r.key), notifyPayload(status, r.o.Version)); err != nil {
		rollback()
		return res, fmt.Errorf("%w: ran (%s) but could not record the result; the next holder will run it again: %w", ErrLockLost, status, err)
	}
	attrs := []any{"run", id, "status", status, "took", took.Round(time.Millisecond)}
	if exitCode != nil {
		attrs = append(attrs, "exit_code", *exitCode)
	}
	if status == StatusSucceeded {
		r.log.Info("ran", attrs...)
	} else {
		r.log.Warn("ran", append(attrs, "error", errText)...)
	}
	return res, retErr
}

// heartbeat keeps the lease alive and fences the step when it cannot: a
// heartbeat that fails, or takes longer than Lease/5, cancels the step with
// ErrLockLost at most 2×Lease/5 after the last good one, before the server
// (at Lease) can hand the lock to anyone else.
func (r *runner) heartbeat(conn *pgx.Conn, stop <-chan struct{}, fence context.CancelCauseFunc) {
	every := r.o.heartbeat()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		_, err := conn.PgConn().Exec(ctx, "SELECT 1").ReadAll()
		cancel()
		if err != nil {
			r.log.Error("heartbeat failed; stopping the step", "error", oneLine(err.Error()))
			fence(ErrLockLost)
			return
		}
	}
}
