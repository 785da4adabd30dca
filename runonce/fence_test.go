package runonce_test

// Tests for issue 17 (round 3: fence the step's work on the server).

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bloglabs/posts/runonce"
)

// Item 2: mixed leases. A holds with a 6 s lease and a step that needs 2.5 s
// to stop; B waits with a 2 s lease. Both of A's sessions are terminated.
// B must wait by A's bounds, which A's running row records, not by its own
// lease. (Before: B waited 7×2 s/10 = 1.4 s and started about a second
// before A's step stopped.)
func TestMixedLeasesDoNotOverlap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	running := make(chan struct{})
	var aStopped, bStarted time.Time
	var wg sync.WaitGroup
	wg.Go(func() {
		o := runonce.Options{Name: "mixed", Version: "v1", Holder: "pod-a", Lease: 6 * time.Second, Logger: quiet()}
		_, _ = runonce.Do(context.Background(), b.cfg, o, func(ctx context.Context) error {
			close(running)
			<-ctx.Done()
			time.Sleep(2500 * time.Millisecond) // within StopBound(6 s) = 3 s
			aStopped = time.Now()
			return context.Cause(ctx)
		})
	})
	<-running
	wg.Go(func() {
		o := runonce.Options{Name: "mixed", Version: "v1", Holder: "pod-b", Lease: 2 * time.Second, Logger: quiet()}
		if _, err := runonce.Do(context.Background(), b.cfg, o, func(context.Context) error {
			bStarted = time.Now()
			return nil
		}); err != nil {
			t.Errorf("pod-b: %v", err)
		}
	})
	time.Sleep(500 * time.Millisecond) // pod-b polls
	if n := terminateSessions(t, admin, "mixed", "pod-a"); n != 2 {
		t.Fatalf("terminated %d sessions of pod-a, want 2", n)
	}
	wg.Wait()
	if !bStarted.After(aStopped) {
		t.Errorf("pod-b's step started %v before pod-a's step stopped; want after", aStopped.Sub(bStarted).Round(time.Millisecond))
	}
}

// Item 1, for Go steps: a step whose session is tagged (TagConnConfig) and
// that returns when its context ends while its statement still runs on the
// server — as a step whose process died would leave it — does not commit
// after the next run's recorded success: the holder ends the session before
// it records the timeout.
func TestGoStepsTaggedSessionIsEndedBeforeTheRecord(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, `CREATE TABLE late (who text, at timestamptz)`); err != nil {
		t.Fatal(err)
	}
	opts := runonce.Options{Name: "late", Version: "v1", RunTimeout: 500 * time.Millisecond, Logger: quiet()}
	left := make(chan error, 1)
	_, err := runonce.Do(ctx, b.cfg, opts, func(ctx context.Context) error {
		conn, err := pgx.ConnectConfig(ctx, runonce.TagConnConfig(ctx, b.cfg))
		if err != nil {
			return err
		}
		go func() { // outlives the step, as a killed client's statement does
			_, err := conn.Exec(context.Background(), `INSERT INTO late SELECT 'A', clock_timestamp() FROM pg_sleep(3)`)
			left <- err
		}()
		<-ctx.Done()
		return context.Cause(ctx)
	})
	if !errors.Is(err, runonce.ErrRunTimeout) {
		t.Fatalf("A: %v, want ErrRunTimeout", err)
	}
	opts.RunTimeout = 0
	if _, err := runonce.Do(ctx, b.cfg, opts, func(context.Context) error {
		_, err := admin.Exec(ctx, `INSERT INTO late VALUES ('B', clock_timestamp())`)
		return err
	}); err != nil {
		t.Fatalf("B: %v", err)
	}
	if err := <-left; err == nil {
		t.Error("A's statement completed; want it ended with its session")
	}
	var n int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM late WHERE who = 'A'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("A's rows = %d (%v), want 0", n, err)
	}
}

// Fence is a fencing token: it passes inside the step's transaction while
// the run is recorded running, and fails with ErrLockLost once it is not.
func TestFence(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	ctx := context.Background()
	var stepCtx context.Context
	_, err := runonce.Do(ctx, b.cfg, runonce.Options{Name: "fence", Version: "v1", Logger: quiet()}, func(ctx context.Context) error {
		stepCtx = ctx
		r, ok := runonce.RunFromContext(ctx)
		if !ok || r.ID == 0 || r.ApplicationName == "" {
			t.Errorf("RunFromContext = %+v, %v; want the run", r, ok)
		}
		tx, err := admin.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if err := runonce.Fence(ctx, tx); err != nil {
			t.Errorf("Fence in the running step: %v, want nil", err)
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := runonce.Fence(context.WithoutCancel(stepCtx), admin); !errors.Is(err, runonce.ErrLockLost) {
		t.Errorf("Fence after the run: %v, want ErrLockLost", err)
	}
	if err := runonce.Fence(ctx, admin); !errors.Is(err, runonce.ErrInvalidOptions) {
		t.Errorf("Fence outside a step: %v, want ErrInvalidOptions", err)
	}
}

// Item 3: a ConnConfig with its own OnNotification. The waiter's NOTIFY went
// to the caller's handler and WaitForNotification returned nothing, which
// the waiter dereferenced: a panic. Now runonce's connections keep their
// notifications.
func TestCallersOnNotificationDoesNotBreakTheWaiter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := b.cfg.Copy()
	cfg.OnNotification = func(*pgconn.PgConn, *pgconn.Notification) {}
	running := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		o := runonce.Options{Name: "notify", Version: "v1", Holder: "a", Logger: quiet()}
		if _, err := runonce.Do(context.Background(), cfg, o, func(context.Context) error {
			close(running)
			<-release
			return nil
		}); err != nil {
			t.Errorf("a: %v", err)
		}
	})
	<-running
	var res runonce.Result
	wg.Go(func() {
		var err error
		o := runonce.Options{Name: "notify", Version: "v1", Holder: "b", Logger: quiet()}
		if res, err = runonce.Do(context.Background(), cfg, o, func(context.Context) error { return nil }); err != nil {
			t.Errorf("b: %v", err)
		}
	})
	time.Sleep(300 * time.Millisecond) // b waits, LISTENing
	close(release)
	wg.Wait()
	if !res.Skipped {
		t.Errorf("b: %+v, want a skip on a's word", res)
	}
}

// Item 3: a step that panics. Before, the panic crossed the heartbeat
// goroutines (three -race reports) and left a running row; now the
// heartbeats stop, the run is recorded failed, and Do re-panics.
func TestStepPanicIsRecordedFailedAndRepanics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var got any
	func() {
		defer func() { got = recover() }()
		_, _ = runonce.Do(context.Background(), b.cfg, runonce.Options{Name: "panics", Version: "v1", Lease: time.Second, Logger: quiet()}, func(context.Context) error {
			time.Sleep(300 * time.Millisecond) // a heartbeat or two
			panic("boom")
		})
	}()
	if got != "boom" {
		t.Errorf("recovered %v, want the step's panic", got)
	}
	assertStatuses(t, b, "panics", runonce.RunStateFailed)
}

// Item 4: runonce status reads this database's holder only: a lock of the
// same key held in another database (another application's ledger) is
// not this step's holder.
func TestStatusIgnoresAnotherDatabasesHolder(t *testing.T) {
	t.Parallel()
	other := setup(t) // another database on the same server
	b := setup(t)
	c := other.conn(t)
	if _, err := c.Exec(context.Background(), "SELECT pg_advisory_lock($1)", runonce.LockKey("", "elsewhere")); err != nil {
		t.Fatal(err)
	}
	sts, err := runonce.ReadStatus(context.Background(), b.cfg, runonce.StatusOptions{Name: "elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	if h := sts[0].Holder; h != nil {
		t.Errorf("holder = %+v, want none: the lock is held in another database", *h)
	}
}
