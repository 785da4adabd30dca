//go:build unix

package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/tools/pgtemp"
)

// startHolderThenWaiters starts pod-0, waits until its step runs, then
// starts the others, so the fault lands on a known holder mid-step.
func (w *world) startHolderThenWaiters(n int, holder, waiter spawn) (*replica, event) {
	w.t.Helper()
	holder.holder = "pod-0"
	w.spawn(holder)
	h, started := w.holderOf(15 * time.Second)
	for i := 1; i < n; i++ {
		waiter.holder = fmt.Sprint("pod-", i)
		w.spawn(waiter)
	}
	return h, started
}

// A holder killed mid-step (OOM, node lost, kubectl delete --force): its
// step dies with it, the server frees the lock as soon as the connection
// closes, and a waiter takes over and marks the run abandoned.
func TestHolderKilledMidStep(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1"})
	h, _ := w.startHolderThenWaiters(5, spawn{stepTime: 20 * time.Second}, spawn{stepTime: 500 * time.Millisecond})
	time.Sleep(500 * time.Millisecond) // the waiters are polling
	h.signal(syscall.SIGKILL)
	killed := time.Now()
	next, ok := w.waitEvent(20*time.Second, func(e event) bool { return e.kind == "start" && e.holder != h.holder })
	s := w.story()
	w.report(t, s, expectation{succeedOnce: true})
	if got, want := strings.Join(statuses(s.runs), ","), "abandoned,succeeded"; got != want {
		t.Errorf("ledger = %s, want %s", got, want)
	}
	if ok {
		t.Logf("takeover after SIGKILL: %v", next.at.Sub(killed).Round(time.Millisecond))
	}
}

// A pod deleted mid-step: runonce forwards SIGTERM to the step, records the
// run as interrupted and exits with the step's status (143); a waiter
// retries it.
func TestHolderTerminatedMidStep(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1"})
	h, _ := w.startHolderThenWaiters(5, spawn{stepTime: 20 * time.Second}, spawn{stepTime: 500 * time.Millisecond})
	time.Sleep(500 * time.Millisecond)
	h.signal(syscall.SIGTERM)
	s := w.story()
	w.report(t, s, expectation{succeedOnce: true})
	if got, want := strings.Join(statuses(s.runs), ","), "interrupted,succeeded"; got != want {
		t.Errorf("ledger = %s, want %s", got, want)
	}
}

// A holder partitioned from the database mid-step (its proxy blackholes
// both directions, closing nothing). The server ends the holder's idle
// transaction after the lease and frees the lock; the holder, hearing no
// heartbeat answer, stops its step first; a waiter connected directly takes
// over. Both bounds are measured.
func TestHolderPartitionedMidStep(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1"})
	p, viaProxy := w.proxy()
	h, _ := w.startHolderThenWaiters(4, spawn{dsn: viaProxy, stepTime: 60 * time.Second}, spawn{stepTime: 500 * time.Millisecond})

	ctx := context.Background()
	obs, err := pgx.Connect(ctx, w.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close(ctx)
	holderPID, err := lockHolderPID(ctx, obs, w.name)
	if err != nil || holderPID == 0 {
		t.Fatalf("holder's backend: pid %d, %v", holderPID, err)
	}
	time.Sleep(time.Duration(300+time.Now().UnixNano()%400) * time.Millisecond)
	p.Blackhole()
	cut := time.Now()
	var freed time.Time
	for time.Since(cut) < 3*w.lease {
		pid, err := lockHolderPID(ctx, obs, w.name)
		if err != nil {
			t.Fatal(err)
		}
		if pid != holderPID {
			freed = time.Now()
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	fence, fenced := w.waitEvent(3*w.lease, func(e event) bool { return e.kind == "term" && e.holder == h.holder })
	next, tookOver := w.waitEvent(3*w.lease, func(e event) bool { return e.kind == "start" && e.holder != h.holder })
	<-h.done
	p.Heal()
	s := w.story()
	w.report(t, s, expectation{succeedOnce: true})

	if !fenced || freed.IsZero() || !tookOver {
		t.Fatalf("fenced=%v freed=%v took over=%v; want all three", fenced, !freed.IsZero(), tookOver)
	}
	fenceAfter, freeAfter, takeover := fence.at.Sub(cut), freed.Sub(cut), next.at.Sub(cut)
	t.Logf("partition, lease %v: holder's step stopped after %v, server freed the lock after %v, waiter started after %v, holder exited %d after %v",
		w.lease, fenceAfter.Round(time.Millisecond), freeAfter.Round(time.Millisecond), takeover.Round(time.Millisecond), h.code, h.exited.Sub(cut).Round(time.Millisecond))
	every := w.lease / 5
	if fenceAfter > 2*every+400*time.Millisecond {
		t.Errorf("holder stopped its step %v after the cut, want within 2×lease/5 = %v", fenceAfter, 2*every)
	}
	if freeAfter < w.lease-every-100*time.Millisecond || freeAfter > w.lease+time.Second {
		t.Errorf("server freed the lock %v after the cut, want between lease−lease/5 and lease (%v–%v)", freeAfter, w.lease-every, w.lease)
	}
	if !fence.at.Before(freed) {
		t.Errorf("OVERLAP RISK: the step stopped %v after the server freed the lock; it must stop before", fence.at.Sub(freed))
	}
	if h.code != exitLockLost {
		t.Errorf("holder exit = %d, want %d (lock lost)", h.code, exitLockLost)
	}
	// Stopping the step, then trying to record on the silent connection for
	// at most a lease.
	if maxExit := 2*every + w.lease/3 + w.lease + 2*time.Second; h.exited.Sub(cut) > maxExit {
		t.Errorf("partitioned holder exited %v after the cut, want within %v", h.exited.Sub(cut), maxExit)
	}
}

// A DBA ends the holder's "idle in transaction" session
// (pg_terminate_backend), as monitoring scripts do: the lock is free at
// once, while the waiters poll. The holder hears it at once and stops its
// step, which takes seconds to clean up; the next holder waits for it to
// close its run (issue 10 item 6).
func TestHolderSessionTerminated(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1", lease: slowStopLease})
	terminateHolderSession(t, w, spawn{}, "session terminated")
}

// Restart and terminate cases use a step that takes seconds to stop, not one
// that dies at once: a lease of 5 s allows a kill grace of 2.5 s (lease/2),
// and the step takes 2 s of it.
const (
	slowStopLease = 5 * time.Second
	slowStopTime  = 2 * time.Second
)

var slowStopFlags = []string{"--kill-grace", "2500ms"}

// terminateHolderSession starts a holder whose step takes seconds to stop and
// ten waiters (each spawn carries base's DSN and flags), ends the holder's
// server session with pg_terminate_backend, and checks that the holder
// exits with the lock-lost code and exactly one run succeeds in the end.
func terminateHolderSession(t *testing.T, w *world, base spawn, label string) {
	t.Helper()
	holder, waiter := base, base
	holder.mode, holder.stepTime = "slowstop", slowStopTime
	holder.flags = append(append([]string{}, base.flags...), slowStopFlags...)
	waiter.stepTime = 500 * time.Millisecond
	h, _ := w.startHolderThenWaiters(10, holder, waiter)
	time.Sleep(time.Second) // the waiters are polling at their slowest
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, w.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	pid, err := lockHolderPID(ctx, admin, w.name)
	if err != nil || pid == 0 {
		t.Fatalf("holder's server session: pid %d, %v", pid, err)
	}
	cut := time.Now()
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	gone, _ := w.waitEvent(10*time.Second, func(e event) bool { return e.kind == "exit" && e.holder == h.holder })
	next, ok := w.waitEvent(30*time.Second, func(e event) bool { return e.kind == "start" && e.holder != h.holder })
	s := w.story()
	w.report(t, s, expectation{succeedOnce: true})
	if h.code != exitLockLost {
		t.Errorf("holder exit = %d, want %d (lock lost)", h.code, exitLockLost)
	}
	if ok {
		t.Logf("%s: holder's step gone %v after, a waiter started %v after",
			label, gone.at.Sub(cut).Round(time.Millisecond), next.at.Sub(cut).Round(time.Millisecond))
	}
}

// PostgreSQL restarted mid-step, in fast (clients told) and immediate (a
// crash) mode: the holder loses its lock and stops its step at once, the
// waiters reconnect, one takes over.
func TestPostgresRestartMidStep(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		mode pgtemp.ShutdownMode
	}{{"fast", pgtemp.Fast}, {"immediate", pgtemp.Immediate}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{version: "v1", lease: slowStopLease})
			h, _ := w.startHolderThenWaiters(5, spawn{mode: "slowstop", stepTime: slowStopTime, flags: slowStopFlags}, spawn{stepTime: 500 * time.Millisecond})
			time.Sleep(500 * time.Millisecond)
			cut := time.Now()
			if err := w.srv.Restart(context.Background(), mode.mode); err != nil {
				t.Fatal(err)
			}
			up := time.Now()
			fence, _ := w.waitEvent(10*time.Second, func(e event) bool { return e.kind == "term" && e.holder == h.holder })
			next, ok := w.waitEvent(30*time.Second, func(e event) bool { return e.kind == "start" && e.holder != h.holder })
			s := w.story()
			w.report(t, s, expectation{succeedOnce: true})
			if h.code != exitLockLost {
				t.Errorf("holder exit = %d, want %d (lock lost)", h.code, exitLockLost)
			}
			if ok {
				t.Logf("%s restart: down for %v; holder's step stopped %v after the shutdown began, a waiter started %v after",
					mode.name, up.Sub(cut).Round(time.Millisecond), fence.at.Sub(cut).Round(time.Millisecond), next.at.Sub(cut).Round(time.Millisecond))
			}
		})
	}
}

// The database is down when the replicas start and comes up later, within
// --wait-timeout: they retry the refused connections and one runs the step.
func TestPostgresDownAtStart(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1"})
	if err := w.srv.Shutdown(pgtemp.Fast); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		w.spawn(spawn{holder: fmt.Sprint("pod-", i), stepTime: 300 * time.Millisecond, waitTimeout: 30 * time.Second})
	}
	time.Sleep(2 * time.Second)
	if err := w.srv.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	s := w.story()
	w.report(t, s, expectation{succeedOnce: true})
	if len(s.starts) > 0 {
		t.Logf("first step started %v after the database came up", s.starts[0].at.Sub(up).Round(time.Millisecond))
	}
	// And a database that never comes: every replica gives up at its
	// wait-timeout with 75, nothing ran.
	w2 := newWorld(t, worldOptions{version: "v1", srv: w.srv, name: "never"})
	if err := w.srv.Shutdown(pgtemp.Fast); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.srv.Resume(context.Background()) }()
	for i := range 3 {
		w2.spawn(spawn{holder: fmt.Sprint("pod-", i), waitTimeout: 2 * time.Second, deadline: 10 * time.Second})
	}
	w2.waitAll()
	for _, r := range w2.replicas {
		if r.code != exitWaitTimeout || r.hung {
			t.Errorf("%s: exit %d (hung %v), want %d (timed out waiting for the database):\n%s", r.holder, r.code, r.hung, exitWaitTimeout, r.out.String())
		}
		if d := r.exited.Sub(r.started); d > 5*time.Second {
			t.Errorf("%s gave up after %v, want about its 2s wait-timeout", r.holder, d)
		}
	}
}

// The step fails on the first holder: the next holder retries it.
func TestStepFailsOnceThenRetried(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1"})
	for i := range 5 {
		w.spawn(spawn{holder: fmt.Sprint("pod-", i), mode: "failonce", stepTime: 200 * time.Millisecond})
	}
	s := w.story()
	w.report(t, s, expectation{succeedOnce: true})
	if got, want := strings.Join(statuses(s.runs), ","), "failed,succeeded"; got != want {
		t.Errorf("ledger = %s, want %s", got, want)
	}
	ones := 0
	for _, r := range s.replicas {
		if r.code == 1 {
			ones++
		}
	}
	if ones != 1 {
		t.Errorf("%d replicas exited 1, want exactly the one whose step failed", ones)
	}
}

// The step always fails: each replica runs it once, exits with its status,
// and nothing loops.
func TestStepAlwaysFails(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1"})
	const n = 5
	for i := range n {
		w.spawn(spawn{holder: fmt.Sprint("pod-", i), mode: "fail", stepTime: 100 * time.Millisecond, deadline: 30 * time.Second})
	}
	s := w.story()
	w.report(t, s, expectation{noSuccess: true})
	if len(s.starts) != n {
		t.Errorf("the step ran %d times, want %d (once per replica, each retrying the last failure)", len(s.starts), n)
	}
	for _, r := range s.replicas {
		if r.code != 1 {
			t.Errorf("%s exited %d, want the step's 1", r.holder, r.code)
		}
	}
	if got := statuses(s.runs); len(got) != n || strings.Count(strings.Join(got, ","), "failed") != n {
		t.Errorf("ledger = %v, want %d failed rows", got, n)
	}
}

// CREATE INDEX CONCURRENTLY in the step while ten replicas wait: it
// completes (a waiter blocked in pg_advisory_lock would make it hang).
func TestCreateIndexConcurrentlyWithTenWaiters(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1"})
	ctx := context.Background()
	c, err := pgx.Connect(ctx, w.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 20000)"); err != nil {
		t.Fatal(err)
	}
	w.startHolderThenWaiters(11, spawn{mode: "cic", stepTime: time.Second, deadline: 60 * time.Second}, spawn{stepTime: time.Second})
	s := w.story()
	w.report(t, s, expectation{succeedOnce: true})
	var valid bool
	if err := c.QueryRow(ctx, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_id_idx'::regclass").Scan(&valid); err != nil || !valid {
		t.Errorf("index valid = %v (%v), want a valid index", valid, err)
	}
}

func needPgBouncer(t *testing.T) {
	t.Helper()
	if _, err := pgtemp.FindPgBouncer(); errors.Is(err, pgtemp.ErrNoPgBouncer) {
		t.Skip("pgbouncer is not installed: apt-get install -y pgbouncer")
	}
}

// PgBouncer in transaction mode with a server pool smaller than the fleet:
// the lock is transaction-scoped, so it pins one server connection for its
// holder and exclusion holds. Session mode works too.
func TestPgBouncer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 40 replicas through PgBouncer take 10–30 s")
	}
	t.Parallel()
	needPgBouncer(t)
	srv := startServer(t, 0)
	for _, tc := range []struct {
		name    string
		mode    string
		pool    int
		flags   []string
		version string
		n       int
	}{
		{"transaction pool 3, once per version", "transaction", 3, []string{"--transaction-pooler"}, "v1", 10},
		{"transaction pool 3, serialize only", "transaction", 3, []string{"--transaction-pooler"}, "", 10},
		{"transaction pool 3, flag forgotten", "transaction", 3, nil, "v1", 10},
		{"session pool 3", "session", 3, nil, "v1", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			b, err := srv.StartPgBouncer(ctx, pgtemp.PgBouncerOptions{PoolMode: tc.mode, PoolSize: tc.pool, Users: map[string]string{"app": appPassword}})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Stop()
			w := newWorld(t, worldOptions{srv: srv, name: "pgb-" + tc.mode + fmt.Sprint(len(tc.flags)) + tc.version, version: tc.version})
			dsn := b.DSNAs("app", appPassword, testDB)
			var wg sync.WaitGroup
			for i := range tc.n {
				wg.Go(func() {
					w.spawn(spawn{holder: fmt.Sprint("pod-", i), dsn: dsn, flags: tc.flags, stepTime: 300 * time.Millisecond})
				})
			}
			wg.Wait()
			s := w.story()
			if tc.version != "" {
				w.report(t, s, expectation{succeedOnce: true})
				return
			}
			w.report(t, s, expectation{})
			if len(s.oks) != tc.n {
				t.Errorf("serialize only: %d steps finished, want %d, one at a time", len(s.oks), tc.n)
			}
		})
	}
}

// Behind PgBouncer in transaction mode a DBA ends the holder's server
// session: PgBouncer closes the holder's client connection at once, the
// holder stops its step (which takes seconds to stop), and the next holder,
// unable to see sessions through the pooler, gives an open run 7×lease/10 to
// close. The lease is slowStopLease, so that the 2.5 s kill grace is valid.
func TestPgBouncerHolderSessionTerminated(t *testing.T) {
	t.Parallel()
	needPgBouncer(t)
	w := newWorld(t, worldOptions{version: "v1", lease: slowStopLease})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := w.srv.StartPgBouncer(ctx, pgtemp.PgBouncerOptions{PoolMode: "transaction", PoolSize: 3, Users: map[string]string{"app": appPassword}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	terminateHolderSession(t, w, spawn{dsn: b.DSNAs("app", appPassword, testDB), flags: []string{"--transaction-pooler"}},
		"through PgBouncer, session terminated")
}

// A hot standby made from the primary with pg_basebackup: runonce refuses
// it (advisory locks there do not exclude the primary) and runs nothing.
func TestHotStandbyRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sb, err := w.srv.StartStandby(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	// The role app and its password arrive with the base backup.
	r := w.spawn(spawn{holder: "pod-0", dsn: dsnAs(sb.Port(), "app", appPassword)})
	<-r.done
	out := r.out.String()
	if r.code != exitRefused {
		t.Errorf("exit = %d, want %d (refused):\n%s", r.code, exitRefused, out)
	}
	if !strings.Contains(out, "hot standby") || !strings.Contains(out, "primary") {
		t.Errorf("the error should say it is a hot standby and to use the primary:\n%s", out)
	}
	if strings.Contains(out, appPassword) {
		t.Errorf("the password appears in the output:\n%s", out)
	}
	if ev := w.events(); len(ev) != 0 {
		t.Errorf("the step ran on a standby: %v", ev)
	}

	// Issue 10 item 5: a DSN listing the standby first and the primary
	// second runs on the primary (pgx alone takes the first host that
	// accepts the connection, and runonce then refused it).
	multi := fmt.Sprintf("postgres://app:%s@127.0.0.1:%d,127.0.0.1:%d/%s?sslmode=disable", appPassword, sb.Port(), w.srv.Port(), testDB)
	r = w.spawn(spawn{holder: "pod-1", dsn: multi})
	<-r.done
	if r.code != 0 {
		t.Errorf("standby,primary DSN: exit = %d, want 0 (run on the primary):\n%s", r.code, r.out.String())
	}
	if ev := w.events(); len(ev) == 0 {
		t.Error("standby,primary DSN: the step did not run")
	}

	// Issue 17 item 3: a DSN listing a primary that is down and then a
	// standby — a failover in progress — is retried within --wait-timeout
	// (exit 75 when nothing comes up), not refused at once with 77.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downPort := l.Addr().(*net.TCPAddr).Port
	_ = l.Close() // nothing listens there now: the primary is down
	failover := fmt.Sprintf("postgres://app:%s@127.0.0.1:%d,127.0.0.1:%d/%s?sslmode=disable", appPassword, downPort, sb.Port(), testDB)
	r = w.spawn(spawn{holder: "pod-2", dsn: failover, waitTimeout: 2 * time.Second})
	<-r.done
	if r.code != exitWaitTimeout {
		t.Errorf("down primary, standby DSN: exit = %d, want %d (retried until --wait-timeout):\n%s", r.code, exitWaitTimeout, r.out.String())
	}
}

// Issue 10 item 5: with two primaries in the DSN (host=a,b) and the first
// full after the ledger's connection, pgx takes the lock's connection to the
// second: a lock there excludes nobody on the first. runonce sees that its
// two sessions reached different servers, starts over, and never runs the
// step on a split; here it keeps finding the split and times out.
func TestSessionsOnTwoServersNeverRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1", maxConnections: 8})
	other := startServer(t, 0)
	freeOne := fillServer(t, w.dsn)
	// One slot: the ledger's connection takes it, the lock's goes on.
	freeOne()
	two := fmt.Sprintf("postgres://app:%s@127.0.0.1:%d,127.0.0.1:%d/%s?sslmode=disable", appPassword, w.srv.Port(), other.Port(), testDB)
	r := w.spawn(spawn{holder: "pod-0", dsn: two, waitTimeout: 5 * time.Second})
	<-r.done
	out := r.out.String()
	if r.code != exitWaitTimeout || r.hung {
		t.Errorf("exit %d (hung %v), want %d (timed out, never on a split):\n%s", r.code, r.hung, exitWaitTimeout, out)
	}
	if !strings.Contains(out, "reached another server") {
		t.Errorf("no word of the two servers in the log:\n%s", out)
	}
	if ev := w.events(); len(ev) != 0 {
		t.Errorf("the step ran with its lock and ledger on different servers: %v", ev)
	}
}

// Issue 10 item 9: `runonce status` against a server that is full retries
// until a connection frees up (before: exit 70, "a bug").
func TestStatusRetriesAFullServer(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{version: "v1", maxConnections: 8})
	freeOne := fillServer(t, w.dsn)
	cmd := exec.Command(runonceBin, "status", "--name", w.name)
	cmd.Env = append(os.Environ(), "RUNONCE_DSN="+w.dsn)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	freeOne()
	code := shellStatus(cmd.Wait())
	if code != 0 || !strings.Contains(out.String(), "holder:  none") {
		t.Errorf("status against a full server: exit %d, want 0 after a retry:\n%s", code, out.String())
	}
}

// fillServer opens connections to dsn until the server refuses one (SQLSTATE
// 53300), closes them at the test's end, and returns a function that frees
// one of them.
func fillServer(t *testing.T, dsn string) (freeOne func()) {
	t.Helper()
	ctx := context.Background()
	var fill []*pgx.Conn
	t.Cleanup(func() {
		for _, c := range fill {
			c.Close(ctx)
		}
	})
	for len(fill) < 20 {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			break // full
		}
		fill = append(fill, c)
	}
	if len(fill) == 0 || len(fill) == 20 {
		t.Fatalf("filled %d connections; want the server full", len(fill))
	}
	return func() {
		fill[0].Close(ctx)
		fill = fill[1:]
	}
}

// Many replicas against a small max_connections: all finish, exactly one
// run, none fails for lack of connections. Each replica needs two
// connections at once and takes both or none, so the fleet cannot deadlock
// holding one each. Quick: 100 against 20; -faults.full: 300 against 50.
func TestManyReplicasFewConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts 100 runonce processes")
	}
	t.Parallel()
	n, maxConns := 100, 20
	if *fullFlag {
		n, maxConns = 300, 50
	}
	w := newWorld(t, worldOptions{version: "v1", maxConnections: maxConns})
	ctx := context.Background()
	mon, err := pgx.Connect(ctx, w.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close(ctx)
	stop := make(chan struct{})
	peak := 0
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			var c int
			if err := mon.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app'").Scan(&c); err == nil && c > peak {
				peak = c
			}
		}
	})
	t0 := time.Now()
	for i := range n {
		w.spawn(spawn{holder: fmt.Sprint("pod-", i), stepTime: time.Second, waitTimeout: 5 * time.Minute,
			env: []string{"RUNONCE_LOG_LEVEL=info"}})
	}
	s := w.story()
	wall := time.Since(t0)
	close(stop)
	sampler.Wait()
	w.report(t, s, expectation{succeedOnce: true})
	for _, r := range s.replicas {
		if strings.Contains(r.out.String(), "too many") && r.code != 0 {
			t.Errorf("%s failed for lack of connections:\n%s", r.holder, tail(r.out.String(), 5))
		}
	}
	t.Logf("%d replicas against max_connections=%d: wall time %v, peak %d connections of role app",
		n, maxConns, wall.Round(time.Millisecond), peak)
}
