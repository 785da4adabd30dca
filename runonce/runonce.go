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
	sctx, cancel := r.stmt(waitCtx)
	standby, exists, done, err := r.ledger.probe(sctx, s.ledger, r.o.Name, r.o.Version)
	cancel()
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
	// Behind a session pooler "connected" does not yet mean a server
	// connection; the statement bound below breaks that hold-and-wait.
	sctx, cancel = r.stmt(waitCtx)
	s.lock, err = connect(sctx, r.cfg, r.log, true)
	cancel()
	if err != nil {
		if waitCtx.Err() == nil && sctx.Err() != nil {
			return Result{}, fmt.Errorf("%w: second connection: %w", errRetry, err)
		}
		return Result{}, err
	}
	if !exists {
		sctx, cancel = r.stmt(waitCtx)
		err := r.ledger.ensure(sctx, s.ledger)
		cancel()
		if err != nil {
			return Result{}, r.classify(waitCtx, s.ledger, err)
		}
	}
	r.prelude = r.lockPrelude(s.lock)
	listening := false
	if !r.o.TransactionPooler {
		sctx, cancel = r.stmt(waitCtx)
		_, err := s.ledger.Exec(sctx, "LISTEN "+pgx.Identifier{channel(r.key)}.Sanitize())
		cancel()
		if err != nil {
			return Result{}, r.classify(waitCtx, s.ledger, err)
		}
		listening = true
	}

	backoff := 25 * time.Millisecond
	for polls := 0; ; polls++ {
		sctx, cancel = r.stmt(waitCtx)
		got, err := tryXactLock(sctx, s.lock, r.prelude, r.keyLit)
		cancel()
		if err != nil {
			return Result{}, r.classify(waitCtx, s.lock, err)
		}
		if got {
			break
		}
		if polls == 0 {
			sctx, cancel = r.stmt(waitCtx)
			r.log.Info("waiting for lock", "held_by", r.describeHolder(sctx, s.ledger))
			cancel()
		}
		if r.o.Version != "" {
			sctx, cancel = r.stmt(waitCtx)
			done, err := r.ledger.succeeded(sctx, s.ledger, r.o.Name, r.o.Version)
			cancel()
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

// stmt bounds one statement while waiting. A server, or a pooler, that does
// not answer a short statement within a lease is treated as gone and the
// attempt starts over on new connections, instead of sitting in the
// statement until WaitTimeout: a connection silently cut (a partition, a
// NAT that forgot it) recovers in a lease, and a fleet behind a session-mode
// pooler with a small pool, each replica holding one server connection and
// queued for its second, lets go and backs off instead of deadlocking.
func (r *runner) stmt(waitCtx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(waitCtx, r.o.Lease)
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
	stmt := func() (context.Context, context.CancelFunc) { return context.WithTimeout(bg, r.o.Lease) }
	rollback := func() {
		ctx, cancel := stmt()
		defer cancel()
		_, _ = s.lock.PgConn().Exec(ctx, "ROLLBACK").ReadAll()
	}
	retry := func(err error) (Result, error) {
		rollback()
		return Result{Waited: res.Waited, Abandoned: res.Abandoned}, fmt.Errorf("%w: %w", errRetry, err)
	}

	if r.o.Version != "" {
		// Someone may have finished between our last look and the lock.
		sctx, cancel := stmt()
		done, err := r.ledger.succeeded(sctx, s.ledger, r.o.Name, r.o.Version)
		cancel()
		if err != nil {
			return retry(err)
		}
		if done {
			rollback()
			return r.skipped("succeeded while waiting")
		}
	}
	if err := r.handover(bg, s); err != nil {
		return retry(err)
	}
	sctx, cancel := stmt()
	abandoned, err := r.ledger.markAbandoned(sctx, s.ledger, r.o.Name)
	cancel()
	if err != nil {
		return retry(err)
	}
	for _, a := range abandoned {
		res.Abandoned = append(res.Abandoned, a.ID)
		r.log.Warn("marked an earlier run abandoned: its holder vanished mid-run", "run", a.ID, "its_holder", a.Holder)
	}
	sctx, cancel = stmt()
	id, err := r.ledger.start(sctx, s.ledger, r.o.Name, r.o.Version, r.o.Holder)
	cancel()
	if err != nil {
		return retry(err)
	}
	// Confirm the lock on its own connection just before the step starts.
	// The try-lock's answer may be stale by now — it crossed a partition
	// slower than the lease, or the server restarted while the ledger was
	// written — and the fence's bound counts from the last answer heard.
	confirmed := time.Now()
	if err := r.beat(s.lock); err != nil {
		r.log.Warn("lock lost before the step started; starting over", "run", id, "error", oneLine(err.Error()))
		sctx, cancel := stmt()
		if ferr := r.ledger.finish(sctx, s.ledger, id, StatusAbandoned, nil, "lock lost before the step started; it did not run"); ferr != nil {
			r.log.Warn("could not record the abandoned run; the next holder will", "run", id, "error", oneLine(ferr.Error()))
		}
		cancel()
		return retry(fmt.Errorf("lock lost before the step started: %w", err))
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
	beatCtx, stopBeat := context.WithCancel(bg)
	var wg sync.WaitGroup
	wg.Go(func() { r.heartbeat(beatCtx, s.lock, confirmed, cancelRun) })
	if !r.o.TransactionPooler {
		wg.Go(func() { r.ledgerBeat(beatCtx, s.ledger) })
	}

	t0 := time.Now()
	fnErr := fn(runCtx)
	took := time.Since(t0)
	// The cause as the step saw it: a fence after the step returned is not
	// the step's story (recording the result will find the lock gone).
	cause := context.Cause(runCtx)
	stopBeat()
	wg.Wait()

	status, retErr := StatusSucceeded, fnErr
	switch {
	case errors.Is(cause, ErrLockLost):
		status, retErr = StatusInterrupted, fmt.Errorf("%w: the step was stopped because the lock's session ended or stopped answering heartbeats (%v)", ErrLockLost, fnErr)
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

	recCtx, recCancel := stmt()
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
		// The COMMIT may have landed and only its answer been lost (the
		// server went away at that instant): ask the ledger before
		// reporting the lock lost.
		if got := r.recordedStatus(bg, s, id); got != status {
			return res, fmt.Errorf("%w: ran (%s) but could not record the result; the next holder will run it again: %w", ErrLockLost, status, err)
		}
		r.log.Warn("the result was recorded, but its answer was lost", "run", id, "error", oneLine(err.Error()))
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

// recordedStatus reads run id's status on the ledger connection, or on a new
// connection when that one broke too; "" when neither answers.
func (r *runner) recordedStatus(bg context.Context, s *session, id int64) string {
	ctx, cancel := context.WithTimeout(bg, r.o.Lease)
	defer cancel()
	if st, err := r.ledger.status(ctx, s.ledger, id); err == nil {
		return st
	}
	conn, err := connect(ctx, r.cfg, r.log, false)
	if err != nil {
		return ""
	}
	defer conn.Close(bg)
	st, _ := r.ledger.status(ctx, conn, id)
	return st
}

// handover waits, before a takeover, for an earlier holder that is still
// alive and connected to close its own run.
//
// The lock can be free while its earlier holder's step still runs: the
// server ended the holder's session on its own (a DBA's
// pg_terminate_backend of an "idle in transaction" session), and the holder
// learns so a round trip later, then stops its step and records
// "interrupted". The fault suite measured a waiter starting 14 ms after the
// termination, the old step gone 3 ms after it: a margin, not a guarantee.
// So a new holder that finds a "running" row whose holder's ledger session
// still answers heartbeats (pg_stat_activity.state_change within
// 2×Lease/5) waits for that row to be closed, at most a Lease (the
// fence bound plus the time a step is given to stop). A holder that was
// killed, whose server restarted, or that is partitioned (silent for longer
// than the lease by the time the server frees its lock) costs no wait.
//
// Behind a transaction pooler sessions cannot be told apart, so a new holder
// that finds a "running" row waits Lease/3 (the CLI's default kill grace)
// unless the row is closed sooner: the earlier holder, told at once by the
// pooler that its server session ended, has that long to stop its step.
func (r *runner) handover(bg context.Context, s *session) error {
	if r.o.TransactionPooler {
		return r.handoverPooled(bg, s)
	}
	deadline := time.Now().Add(r.o.Lease)
	lastBeat, logged := time.Now(), false
	for {
		ctx, cancel := context.WithTimeout(bg, r.o.Lease)
		runs, err := r.ledger.running(ctx, s.ledger, r.o.Name)
		waitFor := ""
		for _, run := range runs {
			if err != nil || waitFor != "" {
				break
			}
			var alive bool
			alive, err = heardFrom(ctx, s.ledger, applicationName(r.o.Name, run.Holder), run.StartedAt, r.o.fenceBound(), s.lock.PgConn().PID())
			if alive {
				waitFor = fmt.Sprintf("run %d of %s", run.ID, run.Holder)
			}
		}
		cancel()
		if err != nil || waitFor == "" {
			return err
		}
		if time.Now().After(deadline) {
			r.log.Warn("taking over from a holder that is still connected but has not closed its run", "earlier", waitFor, "waited", r.o.Lease)
			return nil
		}
		if !logged {
			r.log.Info("lock free, but its earlier holder is still connected; waiting for it to stop its step", "earlier", waitFor)
			logged = true
		}
		if err := sleep(bg, 20*time.Millisecond); err != nil {
			return err
		}
		if time.Since(lastBeat) >= r.o.heartbeat() {
			if err := r.beat(s.lock); err != nil {
				return fmt.Errorf("lock lost while waiting for the earlier holder: %w", err)
			}
			lastBeat = time.Now()
		}
	}
}

func (r *runner) handoverPooled(bg context.Context, s *session) error {
	deadline := time.Now().Add(r.o.Lease / 3)
	for logged := false; ; logged = true {
		ctx, cancel := context.WithTimeout(bg, r.o.Lease)
		runs, err := r.ledger.running(ctx, s.ledger, r.o.Name)
		cancel()
		if err != nil || len(runs) == 0 || time.Now().After(deadline) {
			return err
		}
		if !logged {
			r.log.Info("an earlier run is still open; giving its holder time to stop its step", "earlier", runs[0].ID, "at_most", r.o.Lease/3)
		}
		if err := sleep(bg, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// ledgerBeat runs a trivial statement on the ledger connection every
// Lease/5 while the step runs and stops: pg_stat_activity.state_change of
// that session then tells a next holder whether this one is still alive and
// connected (see handover). Its failures matter to nobody but that reader.
func (r *runner) ledgerBeat(ctx context.Context, conn *pgx.Conn) {
	every := r.o.heartbeat()
	for {
		if sleep(ctx, every) != nil {
			return
		}
		// Not cancelled with ctx: a statement cut short closes the
		// connection that may still have to record an interrupted run.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), every)
		_, err := conn.Exec(bctx, "SELECT 1")
		cancel()
		if err != nil {
			return
		}
	}
}

// heartbeat keeps the lease alive and fences the step when it cannot.
//
// Between beats it waits on the lock's connection itself, so a session the
// server ends — a restart, a crash, pg_terminate_backend, its own lease —
// fences the step the moment the connection reports it: the lock is already
// free then, and waiters reconnect in milliseconds. (Before this, the step
// ran on until the next beat, up to Lease/5, while a waiter could already
// hold the lock: the fault suite measured 180 ms of overlap after a
// PostgreSQL restart with a 2 s lease.)
//
// A beat that fails, or takes longer than Lease/5, fences at most 2×Lease/5
// after the last beat that was answered (last, the confirmation sent at
// start), before the server (at Lease after that) can hand the lock to
// anyone else.
func (r *runner) heartbeat(ctx context.Context, conn *pgx.Conn, last time.Time, fence context.CancelCauseFunc) {
	every := r.o.heartbeat()
	for {
		wctx, cancel := context.WithDeadline(ctx, last.Add(every))
		err := conn.PgConn().WaitForNotification(wctx)
		ours := wctx.Err() != nil
		cancel()
		if ctx.Err() != nil {
			return // the step finished
		}
		if err != nil && !ours {
			r.log.Error("the server ended the lock's session; stopping the step", "error", oneLine(err.Error()))
			fence(ErrLockLost)
			return
		}
		if err == nil {
			continue // a notification: none is expected here; keep waiting
		}
		sent := time.Now()
		if err := r.beat(conn); err != nil {
			if ctx.Err() != nil {
				return
			}
			r.log.Error("heartbeat failed; stopping the step", "error", oneLine(err.Error()))
			fence(ErrLockLost)
			return
		}
		last = sent
	}
}

// beat is one heartbeat: a trivial statement in the lock's transaction,
// answered within Lease/5 or taken as lost. It is not cancelled when the
// step ends: a beat cut short would close the connection that must still
// record the result.
func (r *runner) beat(conn *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), r.o.heartbeat())
	defer cancel()
	_, err := conn.PgConn().Exec(ctx, "SELECT 1").ReadAll()
	return err
}
