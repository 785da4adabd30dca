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
	err = r.record(ctx, s, c.id, end, out)
	if end.panicked {
		// Recorded failed, heartbeats stopped: now the caller's panic.
		panic(end.panicValue)
	}
	return res, err
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
	if err := r.closeEarlierRuns(bg, s, &c); err != nil {
		return retry(err)
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
	// The step starts on the confirmation's word: the running row must be
	// written within the heartbeat that word is good for, not a lease.
	sctx, cancel := context.WithDeadline(bg, c.confirmed.Add(r.o.heartbeat()))
	var err error
	c.id, err = r.ledger.start(sctx, s.ledger, r.o.Name, r.o.Version, r.o.Holder, thisProcess(r.o.Lease, r.o.StopGrace))
	cancel()
	if err != nil {
		return retry(err)
	}
	return c, nil
}

// closeEarlierRuns ends the step sessions that earlier runs left behind and
// waits until they are gone, and marks those runs abandoned: one statement
// when nothing was left behind.
func (r *runner) closeEarlierRuns(bg context.Context, s *session, c *claim) error {
	pattern := stepAppPattern(r.key)
	sctx, cancel := r.bounded(bg)
	abandoned, e, err := r.ledger.markAbandoned(sctx, s.ledger, r.o.Name, pattern, r.o.heartbeat().Milliseconds(), s.pg14)
	cancel()
	if err != nil {
		return err
	}
	for _, a := range abandoned {
		c.abandoned = append(c.abandoned, a.ID)
		r.log.Warn("marked an earlier run abandoned: its holder vanished mid-run", "run", a.ID, "its_holder", a.Holder)
	}
	r.logEnded(e, "an earlier run")
	if e.needsPoll(s.pg14) {
		return r.waitSessionsGone(bg, s, pattern, r.o.Lease)
	}
	return nil
}

// logEnded says what ending a run's step sessions did, when it did anything.
func (r *runner) logEnded(e ended, whose string) {
	if e.found == 0 {
		return
	}
	r.log.Warn("ended the database sessions "+whose+" left behind", "sessions", e.found-e.notOurs, "still_exiting", e.left)
	if e.notOurs > 0 {
		r.log.Error("sessions "+whose+" left behind run as a role runonce's role may not signal; they are not fenced (grant pg_signal_backend, or connect the step as runonce's role)", "sessions", e.notOurs)
	}
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
	panicked   bool  // the step panicked with panicValue
	panicValue any
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
	runCtx = context.WithValue(runCtx, stepRunKey{}, r.stepRun(s, c.id))
	beatCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { r.heartbeat(beatCtx, s.lock, c.confirmed, cancelRun) })
	wg.Go(func() { r.ledgerBeat(beatCtx, s.ledger, c.id) })
	t0 := time.Now()
	end := callStep(runCtx, fn)
	// The cause as the step saw it: a fence after the step returned is not
	// the step's story (recording the result will find the lock gone).
	end.took, end.callerDone = time.Since(t0), ctx.Err() != nil
	if runCtx.Err() != nil {
		end.cause = context.Cause(runCtx)
	}
	stopBeat()
	wg.Wait()
	return end
}

// callStep calls fn, turning a panic into a failure that record can write
// (and hold re-raises once the heartbeats have stopped).
func callStep(ctx context.Context, fn func(context.Context) error) (end stepEnd) {
	defer func() {
		if v := recover(); v != nil {
			end.panicked, end.panicValue = true, v
			end.err = fmt.Errorf("the step panicked: %v", v)
		}
	}()
	end.err = fn(ctx)
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
	// The step's sessions are ended, and waited for, in the statement that
	// records the outcome (see endSessionsSQL); a server older than 14 only
	// signals them, so they are waited for first.
	tag, waitMs := stepAppName(r.key, id), r.o.heartbeat().Milliseconds()
	if !s.pg14 {
		_ = r.waitSessionsGone(recCtx, s, tag, r.o.heartbeat())
	}
	if errors.Is(end.cause, ErrLockLost) {
		// The lock's transaction is gone; say so on the other connection if
		// it still answers. The next holder ends the step's sessions and
		// marks the run abandoned otherwise.
		e, err := r.ledger.finish(recCtx, s.ledger, id, out.state, out.exitCode, errText, tag, waitMs, s.pg14)
		if err != nil {
			r.log.Warn("could not record the interrupted run", "run", id, "error", oneLine(err.Error()))
		}
		r.logEnded(e, "the stopped step")
		r.log.Error("lock lost while running; step stopped", "run", id, "took", end.took.Round(time.Millisecond))
		return out.err
	}
	e, err := r.ledger.finishAndRelease(recCtx, s.lock, id, out.state, out.exitCode, errText, r.channel, notifyPayload(out.state, r.o.Version), tag, waitMs, s.pg14)
	r.logEnded(e, "the step")
	if err != nil {
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
// stops its step — which may take its whole stop time. So a new holder that
// finds a run still "running" waits until that run is closed, or until the
// earlier holder's own bound has passed since the lock was taken: its stop
// time plus a fifth of its lease for the round trip and the reaping, as its
// running row records them — never this holder's settings, which may be
// shorter (a fleet with mixed leases). When that holder still heartbeats
// its row, it waits for it up to its lease (a library step slower than its
// stop bound). A holder that was killed leaves a "running" row and so costs
// the bound too: nothing on the server tells a killed holder from one whose
// server restarted. Either way the new holder then ends the earlier run's
// step sessions (closeEarlierRuns) before its own step starts.
func (r *runner) handover(ctx context.Context, s *session, taken time.Time) error {
	bg := context.WithoutCancel(ctx)
	lastBeat, logged := taken, false
	for {
		open, err := r.earlierRun(bg, s)
		if err != nil {
			return err
		}
		if open == nil {
			return nil
		}
		h := r.handoverOf(*open)
		if handoverDone(h, time.Since(taken)) {
			r.log.Warn("starting beside a run its holder has not closed; its step has had its time to stop", "earlier", open.ID, "its_holder", open.Holder, "waited", time.Since(taken).Round(time.Millisecond))
			return nil
		}
		if !logged {
			r.log.Info("an earlier run is still open; giving its holder time to stop its step", "earlier", open.ID, "its_holder", open.Holder, "alive", h.alive, "at_most", h.bound())
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

// earlierHolder is what a new holder knows of an earlier run's holder, from
// its running row.
type earlierHolder struct {
	lease, stop time.Duration
	alive       bool // it heartbeat its row within 2×its lease/5
}

// bound is how long, from taking the lock, a new holder waits for the run
// to be closed: a live holder up to its lease, any other its stop time plus
// a fifth of its lease.
func (h earlierHolder) bound() time.Duration {
	b := h.stop + h.lease/5
	if h.alive {
		b = max(b, h.lease)
	}
	return b
}

// handoverDone decides whether the handover wait is over.
func handoverDone(h earlierHolder, sinceTaken time.Duration) bool {
	return sinceTaken >= h.bound()
}

// handoverOf reads the earlier holder's bounds from its row. A row written
// by a release before round 3 has none: it is given the longer of this
// holder's lease and the default lease, and the matching stop bound.
func (r *runner) handoverOf(run runningRun) earlierHolder {
	h := earlierHolder{lease: max(r.o.Lease, defaultLease)}
	h.stop = StopBound(h.lease)
	if run.LeaseMs != nil && *run.LeaseMs > 0 {
		h.lease = time.Duration(*run.LeaseMs) * time.Millisecond
		h.stop = StopBound(h.lease)
	}
	if run.StopMs != nil && *run.StopMs >= 0 {
		h.stop = time.Duration(*run.StopMs) * time.Millisecond
	}
	if run.BeatAgeMs != nil {
		h.alive = time.Duration(*run.BeatAgeMs)*time.Millisecond < 2*h.lease/5
	}
	return h
}

// earlierRun returns the open run whose holder makes the handover wait
// longest, or nil when none is open. Its holder's liveness comes from the
// row it heartbeats, not from session names (which PostgreSQL cuts to 63
// bytes, so that long holder names collide).
func (r *runner) earlierRun(bg context.Context, s *session) (*runningRun, error) {
	ctx, cancel := r.bounded(bg)
	defer cancel()
	runs, err := r.ledger.running(ctx, s.ledger, r.o.Name)
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	longest := 0
	for i := range runs {
		if r.handoverOf(runs[i]).bound() > r.handoverOf(runs[longest]).bound() {
			longest = i
		}
	}
	return &runs[longest], nil
}

// ledgerBeat records in the running row, every Lease/5 while the step
// runs, that this holder is alive: its beat_at then tells a next holder
// whether to wait for it (see handover). Its failures matter to nobody but
// that reader.
func (r *runner) ledgerBeat(ctx context.Context, conn *pgx.Conn, id int64) {
	every := r.o.heartbeat()
	for {
		if sleep(ctx, every) != nil {
			return
		}
		// Not cancelled with ctx: a statement cut short closes the
		// connection that may still have to record an interrupted run.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), every)
		err := r.ledger.beat(bctx, conn, id)
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
