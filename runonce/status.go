package runonce

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Run is one ledger row: one attempt at a step.
type Run struct {
	ID         int64
	Name       string
	Version    string // empty for serialize-only steps
	Holder     string
	Status     RunState
	ExitCode   *int
	Error      string
	StartedAt  time.Time
	FinishedAt *time.Time
	// ProcessID and Host are the holder's process and host name, as it
	// recorded them at take-over (0 and empty in rows of earlier releases).
	ProcessID int
	Host      string
	// Lease is the holder's lease, as it recorded it (0 in rows of
	// releases before round 3).
	Lease time.Duration
}

// Session is a database session of a runonce process: a holder, a waiter,
// or a stalled one.
type Session struct {
	// PID is the server backend's process ID (pg_terminate_backend's
	// argument), not the runonce process's: see ProcessID.
	PID             int
	ApplicationName string
	// Holder is the holder name in ApplicationName (escaped as there).
	Holder     string
	ClientAddr string
	// ClientPort is the session's TCP port on the client, -1 over a unix
	// socket, 0 when the server does not show it to this role.
	ClientPort int
	// Since is how long the session's current transaction (holder) or
	// connection (waiter) has been open.
	Since time.Duration
	// Silent is how long the process has sent no statement on any of its
	// sessions (0 when the server does not show it to this role).
	Silent time.Duration
	// Stalled says the process has been silent longer than a live one is:
	// StalledAfter for a waiter; two heartbeats (2×lease/5, when a holder
	// itself gives its lock up for lost) for the holder.
	Stalled bool
	// ProcessID and Host are the runonce process and its host, from the
	// newest ledger row of this holder name (0 and empty when there is none:
	// a waiter has recorded nothing yet).
	ProcessID int
	Host      string
}

// Status is what `runonce status` shows for one step name.
type Status struct {
	Name string
	// Key is the advisory lock key (see LockKey); ClassID and ObjID are its
	// halves as pg_locks shows them.
	Key            int64
	ClassID, ObjID uint32
	// Holder is the session holding the lock, nil when free.
	Holder *Session
	// Waiters are the other runonce processes for this name, one session
	// each, that sent a statement within StalledAfter: they poll the lock.
	Waiters []Session
	// Stalled are runonce processes with a session open but no lock and no
	// statement for longer than StalledAfter: frozen (SIGSTOP), hung, or a
	// holder cut off by the server that has not noticed yet. They are not
	// waiting for the lock.
	Stalled []Session
	// Runs are the most recent ledger rows, newest first.
	Runs []Run
}

// StatusOptions say what ReadStatus reads.
type StatusOptions struct {
	// Schema holds the ledger table. Defaults to "runonce".
	Schema string
	// Name is the step to report; empty reports every step in the ledger.
	Name string
	// Limit bounds the runs returned per step. Defaults to 20.
	Limit int
}

// StalledAfter is how long a runonce process may send nothing before
// ReadStatus lists it as stalled rather than waiting: a waiter polls at
// least every 1.5 s × jitter (at most 2.25 s), a holder heartbeats every
// lease/5.
const StalledAfter = 4 * time.Second

// statusConnectWait bounds how long ReadStatus retries a server that is full
// or starting when ctx has no earlier deadline.
const statusConnectWait = 30 * time.Second

// ReadStatus reads the ledger, the current holder and the waiters of the
// steps opts names from the database. A server that is full or starting is
// retried until ctx ends (at most 30 s), then reported as ErrUnavailable.
func ReadStatus(ctx context.Context, cfg *pgx.ConnConfig, opts StatusOptions) ([]Status, error) {
	o, err := Options{Name: "status", Schema: opts.Schema}.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, fmt.Errorf("%w: no connection config", ErrInvalidOptions)
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 20
	}
	cctx, cancel := context.WithTimeout(ctx, statusConnectWait)
	defer cancel()
	conn, err := statusConnect(cctx, connConfig(cfg, o), o)
	if err != nil {
		if errors.Is(err, ErrWaitTimeout) {
			// A caller's own deadline (the CLI's 30 s) is the server
			// not answering, not an interruption.
			if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
			}
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	l := newLedger(o.Schema)

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, o.Schema+".runs").Scan(&exists); err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	names := []string{opts.Name}
	if opts.Name == "" {
		names = nil
		if exists {
			rows, err := conn.Query(ctx, `SELECT name FROM `+l.table+` GROUP BY name ORDER BY max(id) DESC`)
			if err != nil {
				return nil, fmt.Errorf("read ledger: %w", err)
			}
			if names, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
				return nil, fmt.Errorf("read ledger: %w", err)
			}
		}
	}
	out := make([]Status, 0, len(names))
	for _, n := range names {
		st, err := readStep(ctx, conn, l, exists, o.Schema, n, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// readStep reads one step's runs, holder, waiters and stalled processes.
func readStep(ctx context.Context, conn *pgx.Conn, l ledger, exists bool, schema, name string, limit int) (Status, error) {
	st := Status{Name: name, Key: LockKey(schema, name)}
	st.ClassID, st.ObjID = lockTagParts(st.Key)
	if exists {
		// A ledger of an earlier release lacks the process columns.
		proc := `0, '', 0`
		var current bool
		if err := conn.QueryRow(ctx, `SELECT `+l.currentSQL("$1"), schema+".runs").Scan(&current); err != nil {
			return st, fmt.Errorf("read ledger: %w", err)
		}
		if current {
			proc = `coalesce(client_pid, 0), coalesce(client_host, ''), coalesce(lease_ms, 0) * 1000000`
		}
		rows, err := conn.Query(ctx, `SELECT id, name, coalesce(version, ''), holder, status, exit_code, coalesce(error, ''), started_at, finished_at, `+proc+`
			FROM `+l.table+` WHERE name = $1 ORDER BY id DESC LIMIT $2`, name, limit)
		if err != nil {
			return st, fmt.Errorf("read ledger: %w", err)
		}
		if st.Runs, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Run]); err != nil {
			return st, fmt.Errorf("read ledger: %w", err)
		}
	}
	sessions, holds, err := readSessions(ctx, conn, st)
	if err != nil {
		return st, err
	}
	st.Holder, st.Waiters, st.Stalled = sortSessions(sessions, holds, st.Runs, st.Key)
	return st, nil
}

// readSessions reads the sessions of runonce processes for st's key, and
// which one holds the lock (-1: none). Sessions are found by the
// application_name prefix "runonce/KEY/", plain ASCII that PostgreSQL
// neither escapes nor cuts (see applicationName), and visible to every role.
func readSessions(ctx context.Context, conn *pgx.Conn, st Status) ([]Session, int, error) {
	rows, err := conn.Query(ctx, `SELECT a.pid, coalesce(a.application_name, ''), a.client_addr, coalesce(a.client_port, 0),
			coalesce(now() - CASE WHEN l.pid IS NULL THEN a.backend_start ELSE a.xact_start END, '0'::interval),
			coalesce(now() - a.state_change, '0'::interval),
			l.pid IS NOT NULL
		FROM pg_stat_activity a
		LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND l.classid = $2::bigint::oid AND l.objid = $3::bigint::oid AND l.objsubid = 1
		WHERE (starts_with(a.application_name, $1) OR l.pid IS NOT NULL) AND a.pid <> pg_backend_pid()
		  AND a.datname = current_database()
		ORDER BY a.backend_start`,
		applicationName(st.Key, ""), int64(st.ClassID), int64(st.ObjID))
	if err != nil {
		return nil, -1, fmt.Errorf("read sessions: %w", err)
	}
	var (
		out   []Session
		s     Session
		addr  *netip.Prefix
		holds bool
	)
	holder := -1
	_, err = pgx.ForEachRow(rows, []any{&s.PID, &s.ApplicationName, &addr, &s.ClientPort, &s.Since, &s.Silent, &holds}, func() error {
		s.ClientAddr = ""
		if addr != nil {
			s.ClientAddr = addr.Addr().String()
		}
		if holds {
			holder = len(out)
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, -1, fmt.Errorf("read sessions: %w", err)
	}
	return out, holder, nil
}

// sortSessions groups sessions into processes (each runonce process has two:
// ledger and lock, with one application_name and client address) and sorts
// them: the process of the session at index holds (-1: none) is the holder,
// shown by that session; the others wait while they poll, and are stalled
// once silent for longer than StalledAfter. Holder and stalled processes
// are named by their newest ledger row (runs, newest first).
func sortSessions(sessions []Session, holds int, runs []Run, lockKey int64) (holder *Session, waiters, stalled []Session) {
	key := func(s Session) string { return s.ApplicationName + "|" + s.ClientAddr }
	quiet := map[string]time.Duration{} // the process's least silence
	var order []string
	first := map[string]Session{}
	for _, s := range sessions {
		k := key(s)
		if q, ok := quiet[k]; !ok || s.Silent < q {
			quiet[k] = s.Silent
		}
		if _, ok := first[k]; !ok {
			first[k] = s
			order = append(order, k)
		}
	}
	named := func(s Session) Session {
		s.Holder = strings.TrimPrefix(s.ApplicationName, applicationName(lockKey, ""))
		s.Silent = quiet[key(s)]
		s.Stalled = s.Silent > StalledAfter
		if r, ok := newestRunOf(runs, lockKey, s.ApplicationName); ok {
			s.ProcessID, s.Host = r.ProcessID, r.Host
		}
		return s
	}
	if holds >= 0 {
		h := named(sessions[holds])
		lease := defaultLease
		if r, ok := newestRunOf(runs, lockKey, h.ApplicationName); ok && r.Lease > 0 {
			lease = r.Lease
		}
		h.Stalled = h.Silent > 2*lease/5
		holder = &h
	}
	for _, k := range order {
		s := named(first[k])
		switch {
		case holder != nil && k == key(*holder):
		case s.Stalled:
			stalled = append(stalled, s)
		default:
			s.ProcessID, s.Host = 0, "" // a waiter recorded nothing yet: an older row is another process's
			waiters = append(waiters, s)
		}
	}
	return holder, waiters, stalled
}

// newestRunOf is the newest of runs (newest first) whose holder's sessions
// carry appName.
func newestRunOf(runs []Run, lockKey int64, appName string) (Run, bool) {
	for _, r := range runs {
		if applicationName(lockKey, r.Holder) == appName {
			return r, true
		}
	}
	return Run{}, false
}

// statusConnect connects for ReadStatus, retrying only a server that is
// full or starting (it answers, and will let us in): one that does not
// answer is reported at once, not after the whole wait.
func statusConnect(ctx context.Context, cfg *pgx.ConnConfig, o Options) (*pgx.Conn, error) {
	for {
		conn, err := connect(ctx, cfg, o.Logger, true)
		if err == nil || !errors.Is(err, errRetry) {
			return conn, err
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != sqlTooManyConnections && pgErr.Code != sqlCannotConnectNow) {
			var ce *connectError
			if errors.As(err, &ce) {
				return nil, fmt.Errorf("%w: %w", ErrUnavailable, ce)
			}
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		if err := sleep(ctx, jitter(200*time.Millisecond)); err != nil {
			return nil, fmt.Errorf("%w (the database did not answer in time): %w", ErrWaitTimeout, pgErr)
		}
	}
}
