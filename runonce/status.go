package runonce

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"
)

// Run is one ledger row: one attempt at a step.
type Run struct {
	ID         int64
	Name       string
	Version    string // empty for serialize-only steps
	Holder     string
	Status     string
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

// ReadStatus reads the ledger, the current holder and the waiters of step
// name from the database. An empty name reports every step in the ledger.
// limit bounds the runs returned per step (default 20).
func ReadStatus(ctx context.Context, cfg *pgx.ConnConfig, schema, name string, limit int) ([]Status, error) {
	o, err := Options{Name: "status", Schema: schema}.withDefaults()
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 20
	}
	conn, err := connect(ctx, connConfig(cfg, Options{Name: "status", Holder: o.Holder}), o.Logger, true)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	l := newLedger(o.Schema)

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, o.Schema+".runs").Scan(&exists); err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	names := []string{name}
	if name == "" {
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
		st := Status{Name: n, Key: LockKey(n)}
		st.ClassID, st.ObjID = lockTagParts(st.Key)
		if exists {
			rows, err := conn.Query(ctx, `SELECT id, name, coalesce(version, ''), holder, status, exit_code, coalesce(error, ''), started_at, finished_at
				FROM `+l.table+` WHERE name = $1 ORDER BY id DESC LIMIT $2`, n, limit)
			if err != nil {
				return nil, fmt.Errorf("read ledger: %w", err)
			}
			if st.Runs, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Run]); err != nil {
				return nil, fmt.Errorf("read ledger: %w", err)
			}
		}
		rows, err := conn.Query(ctx, `SELECT a.pid, a.application_name, a.client_addr,
				coalesce(now() - CASE WHEN l.pid IS NULL THEN a.backend_start ELSE a.xact_start END, '0'::interval),
				l.pid IS NOT NULL
			FROM pg_stat_activity a
			LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
				AND l.classid = $2::bigint::oid AND l.objid = $3::bigint::oid AND l.objsubid = 1
			WHERE (a.application_name LIKE $1 OR l.pid IS NOT NULL) AND a.pid <> pg_backend_pid()
			ORDER BY a.backend_start`,
			likePrefix(applicationName(n, "")), int64(st.ClassID), int64(st.ObjID))
		if err != nil {
			return nil, fmt.Errorf("read sessions: %w", err)
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
			return nil, fmt.Errorf("read sessions: %w", err)
		}
		st.Waiters = waitersOnly(st.Holder, st.Waiters)
		out = append(out, st)
	}
	return out, nil
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

func likePrefix(s string) string {
	out := make([]rune, 0, len(s)+1)
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out) + "%"
}
