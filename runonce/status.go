package runonce

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
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
}

// Session is a database session of a runonce holder or waiter.
type Session struct {
	PID             int
	ApplicationName string
	ClientAddr      string
	// Since is how long the session's current transaction (holder) or
	// connection (waiter) has been open.
	Since time.Duration
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
	// Waiters are the other sessions of runonce processes for this name.
	Waiters []Session
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

// readStep reads one step's runs, holder and waiters.
func readStep(ctx context.Context, conn *pgx.Conn, l ledger, exists bool, schema, name string, limit int) (Status, error) {
	st := Status{Name: name, Key: LockKey(schema, name)}
	st.ClassID, st.ObjID = lockTagParts(st.Key)
	if exists {
		rows, err := conn.Query(ctx, `SELECT id, name, coalesce(version, ''), holder, status, exit_code, coalesce(error, ''), started_at, finished_at
			FROM `+l.table+` WHERE name = $1 ORDER BY id DESC LIMIT $2`, name, limit)
		if err != nil {
			return st, fmt.Errorf("read ledger: %w", err)
		}
		if st.Runs, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Run]); err != nil {
			return st, fmt.Errorf("read ledger: %w", err)
		}
	}
	// Sessions are found by the application_name prefix "runonce/KEY/",
	// plain ASCII that PostgreSQL neither escapes nor cuts (see
	// applicationName), and visible to every role.
	rows, err := conn.Query(ctx, `SELECT a.pid, coalesce(a.application_name, ''), a.client_addr,
			coalesce(now() - CASE WHEN l.pid IS NULL THEN a.backend_start ELSE a.xact_start END, '0'::interval),
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
		return st, fmt.Errorf("read sessions: %w", err)
	}
	var s Session
	var addr *netip.Prefix
	var holds bool
	_, err = pgx.ForEachRow(rows, []any{&s.PID, &s.ApplicationName, &addr, &s.Since, &holds}, func() error {
		s.ClientAddr = ""
		if addr != nil {
			s.ClientAddr = addr.Addr().String()
		}
		if holds {
			h := s
			st.Holder = &h
		} else {
			st.Waiters = append(st.Waiters, s)
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("read sessions: %w", err)
	}
	st.Waiters = waitersOnly(st.Holder, st.Waiters)
	return st, nil
}

// waitersOnly keeps one session per process: each runonce process has two
// (ledger and lock), and the holder's ledger session is not a waiter.
func waitersOnly(holder *Session, sessions []Session) []Session {
	seen := map[string]bool{}
	if holder != nil {
		seen[holder.ApplicationName+"|"+holder.ClientAddr] = true
	}
	var out []Session
	for _, s := range sessions {
		k := s.ApplicationName + "|" + s.ClientAddr
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
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
