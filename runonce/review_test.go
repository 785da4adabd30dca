package runonce_test

// Tests for the holes issue 10's review found; each failed before its fix.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/runonce"
)

// Item 2: two apps in one database, each with its own ledger schema, and the
// same step name and version: each runs its own step. (Before, they shared
// one lock and one NOTIFY channel, and the second skipped on the first's
// word with nothing in its own ledger.)
func TestTwoLedgersDoNotShareALock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if runonce.LockKey("app_a", "schema") == runonce.LockKey("app_b", "schema") {
		t.Fatal("two schemas give the same lock key")
	}
	if runonce.LockKey("", "x") != runonce.LockKey("runonce", "x") {
		t.Error(`LockKey("", x) != LockKey("runonce", x): "" is the default schema`)
	}
	running := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		opts := runonce.Options{Name: "schema", Version: "v1", Schema: "app_a", Holder: "a", Logger: quiet()}
		if _, err := runonce.Do(context.Background(), b.cfg, opts, func(context.Context) error {
			close(running)
			<-release
			return nil
		}); err != nil {
			t.Errorf("app a: %v", err)
		}
	})
	<-running
	ranB := make(chan bool, 1)
	wg.Go(func() {
		opts := runonce.Options{Name: "schema", Version: "v1", Schema: "app_b", Holder: "b", Logger: quiet()}
		res, err := runonce.Do(context.Background(), b.cfg, opts, func(context.Context) error { return nil })
		if err != nil {
			t.Errorf("app b: %v", err)
		}
		ranB <- res.Ran
	})
	select {
	case ran := <-ranB:
		if !ran {
			t.Error("app b skipped its own step")
		}
	case <-time.After(20 * time.Second):
		t.Error("app b waited for app a's lock")
	}
	close(release)
	wg.Wait()
	sts, err := runonce.ReadStatus(context.Background(), b.cfg, runonce.StatusOptions{Schema: "app_b", Name: "schema"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sts[0].Runs) != 1 || sts[0].Runs[0].Status != runonce.RunStateSucceeded {
		t.Errorf("app b's ledger = %+v, want one succeeded run", sts[0].Runs)
	}
}

// Item 3 (library side): a step told to stop is never recorded as
// succeeded, even if it returns nil. The CLI's side is in app's tests.
func TestStepStoppedByTimeoutThatReturnsNilIsNotSucceeded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	opts := runonce.Options{Name: "stubborn", Version: "v1", RunTimeout: 300 * time.Millisecond, Logger: quiet()}
	_, err := runonce.Do(context.Background(), b.cfg, opts, func(ctx context.Context) error {
		<-ctx.Done()
		return nil // "cleaned up fine"
	})
	if !errors.Is(err, runonce.ErrRunTimeout) {
		t.Errorf("err = %v, want ErrRunTimeout", err)
	}
	assertStatuses(t, b, "stubborn", runonce.RunStateFailed)
	res, err := runonce.Do(context.Background(), b.cfg, runonce.Options{Name: "stubborn", Version: "v1", Logger: quiet()},
		func(context.Context) error { return nil })
	if err != nil || !res.Ran {
		t.Errorf("next caller: ran=%v err=%v, want it to run the step again", res.Ran, err)
	}
}

// cancelOn is a slog handler that cancels a context when a message starting
// with prefix is logged: a hook at an exact point of Do, from outside.
type cancelOn struct {
	prefix string
	cancel context.CancelFunc
}

func (h cancelOn) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelOn) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, h.prefix) {
		h.cancel()
	}
	return nil
}
func (h cancelOn) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelOn) WithGroup(string) slog.Handler      { return h }

// Item 4: a signal (ctx cancelled) after the lock is taken but before the
// step starts: the step does not start, and nothing is recorded as run.
func TestCancelAfterLockBeforeStepStartsNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := runonce.Options{Name: "late-signal", Version: "v1", Logger: slog.New(cancelOn{"acquired lock", cancel})}
	called := false
	res, err := runonce.Do(ctx, b.cfg, opts, func(context.Context) error {
		called = true
		return nil
	})
	if called || res.Ran {
		t.Errorf("the step was started (called=%v ran=%v) after ctx ended", called, res.Ran)
	}
	if !errors.Is(err, runonce.ErrInterrupted) {
		t.Errorf("err = %v, want ErrInterrupted", err)
	}
	sts, err := runonce.ReadStatus(context.Background(), b.cfg, runonce.StatusOptions{Name: "late-signal"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sts[0].Runs) != 0 {
		t.Errorf("ledger = %+v, want no run recorded", sts[0].Runs)
	}
}

// Item 9: cancelling while the database does not answer is an interruption,
// not a wait timeout.
func TestCancelWhileConnectingIsInterrupted(t *testing.T) {
	t.Parallel()
	cfg, err := pgx.ParseConfig("postgres://u:p@127.0.0.1:1/db?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = runonce.Do(ctx, cfg, runonce.Options{Name: "x", Logger: quiet()}, func(context.Context) error { return nil })
	if !errors.Is(err, runonce.ErrInterrupted) || errors.Is(err, runonce.ErrWaitTimeout) {
		t.Errorf("err = %v, want ErrInterrupted (not ErrWaitTimeout)", err)
	}
}

// terminateSessions ends every session of holder's (both of them).
func terminateSessions(t *testing.T, admin *pgx.Conn, name, holder string) int {
	t.Helper()
	var n int
	app := fmt.Sprintf("runonce/%016x/%s", uint64(runonce.LockKey("", name)), holder)
	if err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Item 6: both of the holder's sessions ended (a restart, a DBA's
// pg_terminate_backend of both), its step taking a while to stop: the new
// holder waits for the handover bound since it took the lock, not only while
// the old holder is seen connected. (Before, it started at once.)
func TestTakeoverWaitsAfterBothSessionsEnded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	const lease = 3 * time.Second // handover bound 2.1 s; the step needs 1 s to stop
	opts := runonce.Options{Name: "both", Version: "v1", Lease: lease, Logger: quiet()}
	running := make(chan struct{})
	var aStopped, bStarted time.Time
	var wg sync.WaitGroup
	wg.Go(func() {
		o := opts
		o.Holder = "pod-a"
		_, _ = runonce.Do(context.Background(), b.cfg, o, func(ctx context.Context) error {
			close(running)
			<-ctx.Done()
			time.Sleep(time.Second) // cleaning up, within StopBound (1.5 s)
			aStopped = time.Now()
			return context.Cause(ctx)
		})
	})
	<-running
	wg.Go(func() {
		o := opts
		o.Holder = "pod-b"
		if _, err := runonce.Do(context.Background(), b.cfg, o, func(context.Context) error {
			bStarted = time.Now()
			return nil
		}); err != nil {
			t.Errorf("pod-b: %v", err)
		}
	})
	time.Sleep(500 * time.Millisecond) // pod-b polls
	if n := terminateSessions(t, admin, "both", "pod-a"); n != 2 {
		t.Fatalf("terminated %d sessions of pod-a, want 2", n)
	}
	wg.Wait()
	if !bStarted.After(aStopped) {
		t.Errorf("pod-b's step started %v before pod-a's step stopped; want after", aStopped.Sub(bStarted))
	}
}

// Item 7: a holder whose name PostgreSQL would escape (non-ASCII) or cut
// (past 63 bytes) is still recognised as alive and connected: the new holder
// waits for its step, longer than the handover bound, up to a lease.
func TestTakeoverRecognisesHolderWithNonASCIILongName(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	const lease = 3 * time.Second // handover bound 2.1 s; the step needs 2.5 s
	name := "handover-ünïcödé-" + strings.Repeat("long-step-name-", 4)
	opts := runonce.Options{Name: name, Version: "v1", Lease: lease, Logger: quiet()}
	running := make(chan struct{})
	var aStopped, bStarted time.Time
	var wg sync.WaitGroup
	wg.Go(func() {
		o := opts
		o.Holder = "pöd-ä-" + strings.Repeat("x", 60)
		_, _ = runonce.Do(context.Background(), b.cfg, o, func(ctx context.Context) error {
			close(running)
			<-ctx.Done()
			time.Sleep(2500 * time.Millisecond)
			aStopped = time.Now()
			return context.Cause(ctx)
		})
	})
	<-running
	wg.Go(func() {
		o := opts
		o.Holder = "pöd-b"
		if _, err := runonce.Do(context.Background(), b.cfg, o, func(context.Context) error {
			bStarted = time.Now()
			return nil
		}); err != nil {
			t.Errorf("pod-b: %v", err)
		}
	})
	time.Sleep(500 * time.Millisecond)
	key := runonce.LockKey("", name)
	var n int
	if err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid = $1::bigint::oid AND objid = $2::bigint::oid`,
		int64(uint64(key)>>32), int64(uint32(uint64(key)))).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminated %d lock sessions (%v), want 1", n, err)
	}
	wg.Wait()
	if !bStarted.After(aStopped) {
		t.Errorf("pod-b's step started %v before pod-a's step stopped; want after", aStopped.Sub(bStarted))
	}
}

// Item 8: the heartbeat takes no snapshot. A SELECT takes one for an
// instant, and a CREATE INDEX CONCURRENTLY in the step that looks at that
// instant waits for the holder's whole transaction: forever. The holder's
// last statement, as the server shows it, must be the empty query.
func TestHeartbeatIsTheEmptyQuery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	opts := runonce.Options{Name: "beat", Version: "v1", Lease: time.Second, Logger: quiet()}
	key := runonce.LockKey("", "beat")
	var last string
	_, err := runonce.Do(context.Background(), b.cfg, opts, func(ctx context.Context) error {
		time.Sleep(700 * time.Millisecond) // three heartbeats (every 200 ms)
		return admin.QueryRow(ctx, `SELECT a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid`,
			int64(uint64(key)>>32), int64(uint32(uint64(key)))).Scan(&last)
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != "" {
		t.Errorf("the lock session's last statement is %q, want the empty query (no snapshot)", last)
	}
}
