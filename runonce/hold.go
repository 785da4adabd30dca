package runonce

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// hold runs fn while holding the lock, in three phases: claim (make sure the
// step may start, and record that it does), run (the step, under
// heartbeats), record (the outcome, committed with the lock's release).
func (r *runner) hold(ctx context.Context, s *session, fn func(context.Context) error) (Result, error) {
	res := Result{Waited: time.Since(r.start)}
	c, err := r.claim(ctx, s)
	res.Abandoned = c.abandoned
	if err != nil {
		return res, err
	}
	if c.skip {
		res2, err := r.skipped("succeeded while waiting")
		res2.Abandoned = res.Abandoned
		return res2, err
	}
	res.Ran, res.RunID = true, c.id
	r.log.Info("running", "run", c.id)
	end := r.runStep(ctx, s, c, fn)
	out := classifyOutcome(end, r.o.RunTimeout)
	return res, r.record(ctx, s, c.id, end, out)
}

// claim is what happens between taking the lock and starting the step.
type claim struct {
	skip      bool      // the version succeeded meanwhile: do not run
	abandoned []int64   // earlier runs marked abandoned
	confirmed time.Time // when the confirming heartbeat was sent
	id        int64     // the "running" row
}

// claim makes sure the step may start: the version has not succeeded
// meanwhile, an earlier holder has had time to stop its step (handover), the
// lock is still ours (a heartbeat), and the caller has not given up. Only
// then does it record a "running" row. Errors wrap errRetry (start over) or
// ErrInterrupted (ctx ended: nothing ran, nothing recorded).
func (r *runner) claim(ctx context.Context, s *session) (claim, error) {
	taken := time.Now()
	bg := context.WithoutCancel(ctx)
	var c claim
	retry := func(err error) (claim, error) {
		r.rollback(bg, s)
		return c, fmt.Errorf("%w: %w", errRetry, err)
	}
	// Someone may have finished between our last look and the lock.
	if done, err := r.succeeded(bg, s); err != nil || done {
		if err != nil {
			return retry(err)
		}
		r.rollback(bg, s)
		return claim{skip: true}, nil
	}
	if err := r.handover(ctx, s, taken); err != nil {
		if ctx.Err() != nil {
			r.rollback(bg, s)
			return c, interrupted(ctx)
		}
		return retry(err)
	}
	sctx, cancel := r.bounded(bg)
	abandoned, err := r.ledger.markAbandoned(sctx, s.ledger, r.o.Name)
	cancel()
	if err != nil {
		return retry(err)
	}
	for _, a := range abandoned {
		c.abandoned = append(c.abandoned, a.ID)
		r.log.Warn("marked an earlier run abandoned: its holder vanished mid-run", "run", a.ID, "its_holder", a.Holder)
	}
	// Confirm the lock on its own connection just before the step starts.
	// The try-lock's answer may be stale by now — it crossed a partition
	// slower than the lease, or the server restarted meanwhile — and the
	// fence's bound counts from the last answer heard.
	c.confirmed = time.Now()
	if err := r.beat(s.lock); err != nil {
		r.log.Warn("lock lost before the step started; starting over", "error", oneLine(err.Error()))
		return retry(fmt.Errorf("lock lost before the step started: %w", err))
	}
	r.log.Info("acquired lock", "waited", time.Since(r.start).Round(time.Millisecond))
	// A signal that came while the lock was being claimed: do not start a
	// step only to stop it at once.
	if ctx.Err() != nil {
		r.rollback(bg, s)
		return c, interrupted(ctx)
	}
	sctx, cancel = r.bounded(bg)
	c.id, err = r.ledger.start(sctx, s.ledger, r.o.Name, r.o.Version, r.o.Holder)
	cancel()
	if err != nil {
		return retry(err)
	}
	return c, nil
}

// rollback ends the lock's transaction, and with it the lock.
func (r *runner) rollback(bg context.Context, s *session) {
	ctx, cancel := r.bounded(bg)
	defer cancel()
	_, _ = s.lock.PgConn().Exec(ctx, "ROLLBACK").ReadAll()
}

// stepEnd is how the step ended, as runStep saw it.
type stepEnd struct {
	err        error // the step's own
	cause      error // why its context was cancelled before it returned; nil if it was not
	callerDone bool  // the caller's ctx had ended (a signal)
	took       time.Duration
}

// runStep runs fn under heartbeats: its context is cancelled with
// ErrLockLost when the lock is lost, with ErrRunTimeout at RunTimeout.
func (r *runner) runStep(ctx context.Context, s *session, c claim, fn func(context.Context) error) stepEnd {
	runCtx, cancelRun := context.WithCancelCause(ctx)
	defer cancelRun(nil)
	if r.o.RunTimeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeoutCause(runCtx, r.o.RunTimeout, ErrRunTimeout)
		defer cancel()
	}
	beatCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { r.heartbeat(beatCtx, s.lock, c.confirmed, cancelRun) })
	if !r.o.TransactionPooler {
		wg.Go(func() { r.ledgerBeat(beatCtx, s.ledger) })
	}
	t0 := time.Now()
	err := fn(runCtx)
	// The cause as the step saw it: a fence after the step returned is not
	// the step's story (recording the result will find the lock gone).
	end := stepEnd{err: err, took: time.Since(t0), callerDone: ctx.Err() != nil}
	if runCtx.Err() != nil {
		end.cause = context.Cause(runCtx)
	}
	stopBeat()
	wg.Wait()
	return end
}

// outcome is what the ledger records and Do returns for a step that ran.
type outcome struct {
	state    RunState
	exitCode *int
	err      error
}

// classifyOutcome decides how a run that started ended. A step that runonce
// told to stop — the lock lost, RunTimeout passed, the caller's context
// ended — is never recorded as succeeded, whatever it returned: a tool that
// traps SIGTERM and exits 0 has not necessarily finished its work.
func classifyOutcome(e stepEnd, runTimeout time.Duration) outcome {
	var o outcome
	var ec ExitCoder
	if errors.As(e.err, &ec) {
		c := ec.ExitCode()
		o.exitCode = &c
	}
	switch {
	case errors.Is(e.cause, ErrLockLost):
		o.state = RunStateInterrupted
		o.err = fmt.Errorf("%w: the step was stopped because the lock's session ended or stopped answering heartbeats (the step returned: %v)", ErrLockLost, returned(e.err))
	case errors.Is(e.cause, ErrRunTimeout):
		o.state = RunStateFailed
		if e.err == nil {
			o.err = fmt.Errorf("%w after %v: the step was stopped (it returned nil)", ErrRunTimeout, runTimeout)
		} else {
			o.err = fmt.Errorf("%w after %v: the step was stopped: %w", ErrRunTimeout, runTimeout, e.err)
		}
	case errors.Is(e.err, ErrInterrupted):
		o.state, o.err = RunStateInterrupted, e.err
	case e.callerDone:
		o.state = RunStateInterrupted
		if e.err == nil {
			o.err = fmt.Errorf("%w: the step was told to stop (%v) and returned nil", ErrInterrupted, e.cause)
		} else {
			o.err = fmt.Errorf("%w: %w", ErrInterrupted, e.err)
		}
	case e.err == nil:
		o.state = RunStateSucceeded
		zero := 0
		o.exitCode = &zero
	default:
		o.state, o.err = RunStateFailed, e.err
	}
	return o
}

func returned(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// record writes the outcome and returns Do's error: out.err, or ErrLockLost
// when the result could not be recorded. Normally it commits with the lock's
// release, so the lock is never free while the ledger says "running" for a
// finished run.
func (r *runner) record(ctx context.Context, s *session, id int64, end stepEnd, out outcome) error {
	bg := context.WithoutCancel(ctx)
	recCtx, cancel := r.bounded(bg)
	defer cancel()
	errText := ""
	if out.err != nil {
		errText = oneLine(out.err.Error())
	}
	if errors.Is(end.cause, ErrLockLost) {
		// The lock's transaction is gone; say so on the other connection if
		// it still answers. The next holder marks it abandoned otherwise.
		if err := r.ledger.finish(recCtx, s.ledger, id, out.state, out.exitCode, errText); err != nil {
			r.log.Warn("could not record the interrupted run", "run", id, "error", oneLine(err.Error()))
		}
		r.log.Error("lock lost while running; step stopped", "run", id, "took", end.took.Round(time.Millisecond))
		return out.err
	}
	if err := r.ledger.finishAndRelease(recCtx, s.lock, id, out.state, out.exitCode, errText, r.channel, notifyPayload(out.state, r.o.Version)); err != nil {
		r.rollback(bg, s)
		// The COMMIT may have landed and only its answer been lost (the
		// server went away at that instant): ask the ledger before
		// reporting the lock lost.
		if got := r.recordedState(bg, s, id); got != out.state {
			r.log.Error("could not record the result", "run", id, "error", oneLine(err.Error()))
			return fmt.Errorf("%w: ran (%s) but could not record the result; the next holder will run it again: %w", ErrLockLost, out.state, err)
		}
		r.log.Warn("the result was recorded, but its answer was lost", "run", id, "error", oneLine(err.Error()))
	}
	attrs := []any{"run", id, "status", out.state, "took", end.took.Round(time.Millisecond)}
	if out.exitCode != nil {
		attrs = append(attrs, "exit_code", *out.exitCode)
	}
	if out.state == RunStateSucceeded {
		r.log.Info("ran", attrs...)
	} else {
		r.log.Warn("ran", append(attrs, "error", errText)...)
	}
	return out.err
}

// recordedState reads run id's state on the ledger connection, or on a new
// connection when that one broke too; "" when neither answers.
func (r *runner) recordedState(bg context.Context, s *session, id int64) RunState {
	ctx, cancel := r.bounded(bg)
	defer cancel()
	if st, err := r.ledger.state(ctx, s.ledger, id); err == nil {
		return st
	}
	conn, err := connect(ctx, r.cfg, r.log, false)
	if err != nil {
		return ""
	}
	defer conn.Close(ctx)
	st, _ := r.ledger.state(ctx, conn, id)
	return st
}

// handover waits, before a takeover, for an earlier holder to stop its step.
//
// The lock can be free while its earlier holder's step still runs: the
// server ended the holder's session on its own (a restart, a crash, a DBA's
// pg_terminate_backend), and the holder learns so a round trip later, then
// stops its step — which may take the whole kill grace. So a new holder that
// finds a run still "running" waits until that run is closed, or until
// handoverBound has passed since it took the lock, whatever ended the old
// session: the earlier step has StopBound to stop once told. When the earlier
// holder is still connected and heartbeating its ledger session, it waits for
// it up to a lease (a library step slower than StopBound). A holder that was
// killed leaves a "running" row and so costs handoverBound too: nothing on
// the server tells a killed holder from one whose server restarted.
//
// Behind a transaction pooler sessions cannot be told apart; the same bound
// applies.
func (r *runner) handover(ctx context.Context, s *session, taken time.Time) error {
	bg := context.WithoutCancel(ctx)
	lastBeat, logged := taken, false
	for {
		open, alive, err := r.earlierRun(bg, s)
		if err != nil {
			return err
		}
		if handoverDone(open != nil, alive, time.Since(taken), r.o) {
			if open != nil {
				r.log.Warn("starting beside a run its holder has not closed; its step has had its time to stop", "earlier", open.ID, "its_holder", open.Holder, "waited", time.Since(taken).Round(time.Millisecond))
			}
			return nil
		}
		if !logged {
			r.log.Info("an earlier run is still open; giving its holder time to stop its step", "earlier", open.ID, "its_holder", open.Holder, "alive", alive, "at_most", r.o.handoverBound())
			logged = true
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
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

// handoverDone decides whether the handover wait is over: no earlier run is
// open; or handoverBound has passed since the lock was taken and its holder
// is not heard from; or a lease has passed.
func handoverDone(open, alive bool, sinceTaken time.Duration, o Options) bool {
	switch {
	case !open:
		return true
	case alive:
		return sinceTaken >= o.Lease
	default:
		return sinceTaken >= o.handoverBound()
	}
}

// earlierRun returns the oldest run still open, and whether its holder's
// ledger session is still heard from (never behind a transaction pooler).
func (r *runner) earlierRun(bg context.Context, s *session) (*runningRun, bool, error) {
	ctx, cancel := r.bounded(bg)
	defer cancel()
	runs, err := r.ledger.running(ctx, s.ledger, r.o.Name)
	if err != nil || len(runs) == 0 {
		return nil, false, err
	}
	if r.o.TransactionPooler {
		return &runs[0], false, nil
	}
	for i, run := range runs {
		alive, err := heardFrom(ctx, s.ledger, applicationName(r.key, run.Holder), run.StartedAt, r.o.fenceBound(), s.lock.PgConn().PID())
		if err != nil || alive {
			return &runs[i], alive, err
		}
	}
	return &runs[0], false, nil
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
		_, err := conn.PgConn().Exec(bctx, "").ReadAll()
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
	_, err := conn.PgConn().Exec(ctx, "").ReadAll()
	return err
}
