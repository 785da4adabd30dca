package runonce_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/runonce"
	"github.com/bloglabs/posts/runonce/runoncetest"
	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type testBundle struct {
	dsn string
	cfg *pgx.ConnConfig
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	dsn := pgtest.DB(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return &testBundle{dsn: dsn, cfg: cfg}
}

func (b *testBundle) conn(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), b.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestOncePerVersionWithManyReplicas(t *testing.T) {
	t.Parallel()
	b := setup(t)
	runoncetest.TestExactlyOnce(t, b.cfg, runonce.Options{Name: "schema", Version: "v1", Logger: quiet()})
	// A new version runs again.
	res, err := runonce.Do(context.Background(), b.cfg, runonce.Options{Name: "schema", Version: "v2", Logger: quiet()},
		func(context.Context) error { return nil })
	if err != nil || !res.Ran {
		t.Errorf("v2: ran=%v err=%v, want it to run", res.Ran, err)
	}
}

func TestSerializeOnlyRunsEveryCallerWithoutOverlap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	runoncetest.TestSerialized(t, b.cfg, runonce.Options{Name: "serial", Logger: quiet()})
}

// lockExternally holds the step's advisory lock from a plain session, as a
// stuck holder would.
func lockExternally(t *testing.T, b *testBundle, name string) *pgx.Conn {
	t.Helper()
	c := b.conn(t)
	if _, err := c.Exec(context.Background(), "SELECT pg_advisory_lock($1)", runonce.LockKey("", name)); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSkipAfterSuccessTakesNoLock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	opts := runonce.Options{Name: "schema", Version: "v1", Logger: quiet(), WaitTimeout: 2 * time.Second}
	if _, err := runonce.Do(context.Background(), b.cfg, opts, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	lockExternally(t, b, "schema") // if the skip path took the lock, it would now time out
	t0 := time.Now()
	res, err := runonce.Do(context.Background(), b.cfg, opts, func(context.Context) error {
		t.Error("step ran again after success")
		return nil
	})
	if err != nil {
		t.Fatalf("late replica: %v, want a skip without the lock", err)
	}
	if !res.Skipped {
		t.Errorf("Skipped = false, want true")
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("skip took %v; want one connect and one query", d)
	}
}

func TestFailedRunIsRetriedByNextHolder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	opts := runonce.Options{Name: "seed", Version: "v1", Logger: quiet()}
	boom := errors.New("boom")
	_, err := runonce.Do(context.Background(), b.cfg, opts, func(context.Context) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("first: err = %v, want the step's error", err)
	}
	res, err := runonce.Do(context.Background(), b.cfg, opts, func(context.Context) error { return nil })
	if err != nil || !res.Ran {
		t.Fatalf("second: ran=%v err=%v, want a retry that runs", res.Ran, err)
	}
	assertStatuses(t, b, "seed", runonce.RunStateFailed, runonce.RunStateSucceeded)
}

// assertStatuses checks the ledger's statuses for name, oldest first.
func assertStatuses(t *testing.T, b *testBundle, name string, want ...runonce.RunState) {
	t.Helper()
	sts, err := runonce.ReadStatus(context.Background(), b.cfg, runonce.StatusOptions{Name: name, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []runonce.RunState
	for _, r := range sts[0].Runs {
		got = append([]runonce.RunState{r.Status}, got...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ledger statuses = %v, want %v", got, want)
	}
}

func TestWaitTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lockExternally(t, b, "stuck")
	t0 := time.Now()
	_, err := runonce.Do(context.Background(), b.cfg,
		runonce.Options{Name: "stuck", Version: "v1", WaitTimeout: 500 * time.Millisecond, Logger: quiet()},
		func(context.Context) error { t.Error("ran without the lock"); return nil })
	if !errors.Is(err, runonce.ErrWaitTimeout) {
		t.Fatalf("err = %v, want ErrWaitTimeout", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("gave up after %v, want about 500ms", d)
	}
}

func TestRunTimeoutCancelsStep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := runonce.Do(context.Background(), b.cfg,
		runonce.Options{Name: "slow", Version: "v1", RunTimeout: 200 * time.Millisecond, Logger: quiet()},
		func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	if !errors.Is(err, runonce.ErrRunTimeout) {
		t.Fatalf("err = %v, want ErrRunTimeout", err)
	}
	assertStatuses(t, b, "slow", runonce.RunStateFailed)
}

// The holder's session is ended by the server (as the lease or an admin
// would): the step's context must be cancelled with ErrLockLost within two
// heartbeats, and the next replica must take over.
func TestLockLostFencesStep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	lease := 2 * time.Second
	opts := runonce.Options{Name: "fenced", Version: "v1", Lease: lease, Logger: quiet()}
	running := make(chan struct{})
	var fencedAfter time.Duration
	var cause error
	done := make(chan error, 1)
	go func() {
		_, err := runonce.Do(context.Background(), b.cfg, opts, func(ctx context.Context) error {
			close(running)
			<-ctx.Done()
			cause = context.Cause(ctx)
			return ctx.Err()
		})
		done <- err
	}()
	<-running
	var killed time.Time
	classid, objid := uint32(uint64(runonce.LockKey("", "fenced"))>>32), uint32(uint64(runonce.LockKey("", "fenced")))
	_, err := admin.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND granted`, int64(classid), int64(objid))
	if err != nil {
		t.Fatal(err)
	}
	killed = time.Now()
	err = <-done
	fencedAfter = time.Since(killed)
	if !errors.Is(err, runonce.ErrLockLost) || !errors.Is(cause, runonce.ErrLockLost) {
		t.Fatalf("err = %v, cause = %v; want ErrLockLost for both", err, cause)
	}
	if max := 2*lease/5 + 200*time.Millisecond; fencedAfter > max {
		t.Errorf("fenced %v after the session ended; want within 2×lease/5 = %v", fencedAfter, 2*lease/5)
	}
	res, err := runonce.Do(context.Background(), b.cfg, opts, func(context.Context) error { return nil })
	if err != nil || !res.Ran {
		t.Fatalf("next holder: ran=%v err=%v", res.Ran, err)
	}
	assertStatuses(t, b, "fenced", runonce.RunStateInterrupted, runonce.RunStateSucceeded)
}

func TestLedgerCreatedOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Different names, one schema: every replica races to create the ledger.
	const n = 25
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := runonce.Do(context.Background(), b.cfg,
				runonce.Options{Name: fmt.Sprint("step", i), Version: "v1", Schema: "custom_ledger", Logger: quiet()},
				func(context.Context) error { return nil })
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	var rows int
	if err := b.conn(t).QueryRow(context.Background(), "SELECT count(*) FROM custom_ledger.runs WHERE status = 'succeeded'").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != n {
		t.Errorf("%d succeeded rows, want %d", rows, n)
	}
}

// While one replica holds the lock and ten wait, the step builds an index
// concurrently. The control shows why this matters: a waiter blocked inside
// pg_advisory_lock, as golang-migrate's and the post's waiters are, makes the
// same CREATE INDEX CONCURRENTLY hang.
func TestCreateIndexConcurrentlyWhileOthersWait(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, "CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 1000)"); err != nil {
		t.Fatal(err)
	}
	cic := func(ctx context.Context, idx string) error {
		c, err := pgx.Connect(ctx, b.dsn)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		_, err = c.Exec(ctx, "CREATE INDEX CONCURRENTLY "+idx+" ON items (id)")
		return err
	}

	t.Run("control: a blocked waiter makes CIC hang", func(t *testing.T) {
		holder := b.conn(t)
		if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock(42)"); err != nil {
			t.Fatal(err)
		}
		waited := make(chan struct{})
		go func() {
			defer close(waited)
			waiter, err := pgx.Connect(ctx, b.dsn)
			if err != nil {
				return
			}
			defer waiter.Close(ctx)
			_, _ = waiter.Exec(ctx, "SELECT pg_advisory_lock(42)")
		}()
		time.Sleep(300 * time.Millisecond) // let the waiter block
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		err := cic(cctx, "items_control_idx")
		_, _ = holder.Exec(ctx, "SELECT pg_advisory_unlock(42)")
		<-waited
		if err == nil {
			t.Fatal("CIC completed beside a blocked waiter; the control did not reproduce the hang")
		}
		// The cancelled CIC leaves an invalid index behind.
		_, _ = holder.Exec(ctx, "DROP INDEX IF EXISTS items_control_idx")
	})

	const waiters = 10
	var wg sync.WaitGroup
	running := make(chan struct{})
	var stepErr error
	wg.Go(func() {
		_, err := runonce.Do(ctx, b.cfg, runonce.Options{Name: "cic", Version: "v1", Holder: "holder", Logger: quiet()},
			func(ctx context.Context) error {
				close(running)
				time.Sleep(500 * time.Millisecond) // let the waiters start polling
				cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				stepErr = cic(cctx, "items_id_idx")
				return stepErr
			})
		if err != nil {
			t.Errorf("holder: %v", err)
		}
	})
	<-running
	for i := range waiters {
		wg.Go(func() {
			res, err := runonce.Do(ctx, b.cfg, runonce.Options{Name: "cic", Version: "v1", Holder: fmt.Sprint("w", i), Logger: quiet()},
				func(context.Context) error { return errors.New("waiter ran the step") })
			if err != nil || !res.Skipped {
				t.Errorf("waiter %d: skipped=%v err=%v", i, res.Skipped, err)
			}
		})
	}
	wg.Wait()
	if stepErr != nil {
		t.Fatalf("CREATE INDEX CONCURRENTLY under runonce with %d waiters: %v", waiters, stepErr)
	}
	var valid bool
	if err := admin.QueryRow(ctx, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_id_idx'::regclass").Scan(&valid); err != nil || !valid {
		t.Errorf("index valid = %v (err %v), want a valid index", valid, err)
	}
}

func TestInvalidOptions(t *testing.T) {
	t.Parallel()
	cfg, _ := pgx.ParseConfig("postgres://u@127.0.0.1:1/db")
	long := make([]byte, 201)
	for i := range long {
		long[i] = 'a'
	}
	for _, tc := range []struct {
		name string
		opts runonce.Options
	}{
		{"no name", runonce.Options{}},
		{"long name", runonce.Options{Name: string(long)}},
		{"control character", runonce.Options{Name: "a\nb"}},
		{"bad schema", runonce.Options{Name: "x", Schema: "Robert'); DROP"}},
		{"short lease", runonce.Options{Name: "x", Lease: 100 * time.Millisecond}},
		{"negative timeout", runonce.Options{Name: "x", WaitTimeout: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runonce.Do(context.Background(), cfg, tc.opts, func(context.Context) error { return nil })
			if !errors.Is(err, runonce.ErrInvalidOptions) {
				t.Errorf("err = %v, want ErrInvalidOptions", err)
			}
		})
	}
}

func TestStatusShowsHolderAndWaiters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	release := make(chan struct{})
	running := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = runonce.Do(ctx, b.cfg, runonce.Options{Name: "st", Version: "v1", Holder: "pod-a", Logger: quiet()},
			func(context.Context) error { close(running); <-release; return nil })
	})
	<-running
	for _, h := range []string{"pod-b", "pod-c"} {
		wg.Go(func() {
			_, _ = runonce.Do(ctx, b.cfg, runonce.Options{Name: "st", Version: "v1", Holder: h, Logger: quiet()},
				func(context.Context) error { return nil })
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	var st runonce.Status
	for time.Now().Before(deadline) {
		sts, err := runonce.ReadStatus(ctx, b.cfg, runonce.StatusOptions{Name: "st", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		st = sts[0]
		if len(st.Waiters) == 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(release)
	wg.Wait()
	app := func(holder string) string {
		return fmt.Sprintf("runonce/%016x/%s", uint64(runonce.LockKey("", "st")), holder)
	}
	if st.Holder == nil || st.Holder.ApplicationName != app("pod-a") {
		t.Errorf("holder = %+v, want %s", st.Holder, app("pod-a"))
	}
	var names []string
	for _, w := range st.Waiters {
		names = append(names, w.ApplicationName)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{app("pod-b"), app("pod-c")}) {
		t.Errorf("waiters = %v, want pod-b and pod-c", names)
	}
	if len(st.Runs) != 1 || st.Runs[0].Status != runonce.RunStateRunning {
		t.Errorf("runs = %+v, want one running", st.Runs)
	}
}

// terminateHolder ends the session holding name's lock, as a DBA's
// pg_terminate_backend of an "idle in transaction" session would.
func terminateHolder(t *testing.T, admin *pgx.Conn, name string) {
	t.Helper()
	key := runonce.LockKey("", name)
	var n int
	err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid = $1::bigint::oid AND objid = $2::bigint::oid`,
		int64(uint64(key)>>32), int64(uint32(uint64(key)))).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("terminated %d sessions (%v), want the holder's one", n, err)
	}
}

// The server ending the holder's session frees the lock at once; the holder
// must not wait for its next heartbeat (Lease/5, here 2 s) to stop the step.
func TestServerEndingTheSessionFencesAtOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	opts := runonce.Options{Name: "ended", Version: "v1", Lease: 10 * time.Second, Logger: quiet()}
	running := make(chan struct{})
	stopped := make(chan time.Time, 1)
	done := make(chan error, 1)
	go func() {
		_, err := runonce.Do(context.Background(), b.cfg, opts, func(ctx context.Context) error {
			close(running)
			<-ctx.Done()
			stopped <- time.Now()
			return context.Cause(ctx)
		})
		done <- err
	}()
	<-running
	time.Sleep(100 * time.Millisecond)
	t0 := time.Now()
	terminateHolder(t, admin, "ended")
	select {
	case at := <-stopped:
		if d := at.Sub(t0); d > 500*time.Millisecond {
			t.Errorf("step cancelled %v after the server ended the session, want at once (well under the 2s heartbeat)", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("step not cancelled 5s after the server ended the holder's session")
	}
	if err := <-done; !errors.Is(err, runonce.ErrLockLost) {
		t.Errorf("err = %v, want ErrLockLost", err)
	}
}

// When the lock is freed under a live holder (its session ended by the
// server), the next holder waits for it to stop its step and close its run
// before starting: no two steps at once, even when the first takes a while
// to stop.
func TestTakeoverWaitsForEarlierHolderToStop(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.conn(t)
	opts := runonce.Options{Name: "handover", Version: "v1", Lease: 3 * time.Second, Logger: quiet()}
	running := make(chan struct{})
	var aStopped, bStarted time.Time
	var wg sync.WaitGroup
	wg.Go(func() {
		o := opts
		o.Holder = "pod-a"
		_, err := runonce.Do(context.Background(), b.cfg, o, func(ctx context.Context) error {
			close(running)
			<-ctx.Done()
			time.Sleep(400 * time.Millisecond) // cleaning up
			aStopped = time.Now()
			return context.Cause(ctx)
		})
		if !errors.Is(err, runonce.ErrLockLost) {
			t.Errorf("pod-a: err = %v, want ErrLockLost", err)
		}
	})
	<-running
	wg.Go(func() {
		o := opts
		o.Holder = "pod-b"
		res, err := runonce.Do(context.Background(), b.cfg, o, func(context.Context) error {
			bStarted = time.Now()
			return nil
		})
		if err != nil || !res.Ran {
			t.Errorf("pod-b: ran=%v err=%v, want it to take over and run", res.Ran, err)
		}
	})
	time.Sleep(500 * time.Millisecond) // pod-b polls
	terminateHolder(t, admin, "handover")
	wg.Wait()
	if !bStarted.After(aStopped) {
		t.Errorf("pod-b's step started %v before pod-a's step stopped; want after", aStopped.Sub(bStarted))
	}
	assertStatuses(t, b, "handover", runonce.RunStateInterrupted, runonce.RunStateSucceeded)
}
