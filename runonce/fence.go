package runonce

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// StepRun is the identity of the run a step belongs to, as its context
// carries it (see RunFromContext). runonce fences what a step does in the
// database through it: every session whose application_name is the run's
// ApplicationName is ended, and waited for, before the run is recorded (by
// the holder that stops the step) and before the next run starts (by the
// next holder, for sessions an earlier run left behind).
type StepRun struct {
	// ID is the run's row in the ledger.
	ID int64
	// ApplicationName is "runonce-step/KEY/ID": the application_name the
	// step's sessions must carry to be fenced (PGAPPNAME for libpq, pgx,
	// psql and the drivers built on them). At most 63 bytes, printable
	// ASCII, unique to the run.
	ApplicationName string
	// Holder is the holder name the run is recorded under (Options.Holder
	// after defaults), so that the step can name itself the same way.
	Holder string
	// CheckInterval is the client_connection_check_interval (PostgreSQL 14
	// and later) that makes the server end a statement of a client that
	// has gone away; zero when the server does not have it or runs behind
	// a pooler that would refuse it. See TagConnConfig and PGOptions.
	CheckInterval time.Duration

	table string // the ledger, for Fence
}

type stepRunKey struct{}

// RunFromContext returns the run whose step ctx belongs to: the context
// Do passes to the step, or one derived from it.
func RunFromContext(ctx context.Context) (StepRun, bool) {
	r, ok := ctx.Value(stepRunKey{}).(StepRun)
	return r, ok
}

// TagConnConfig returns a copy of cfg whose sessions belong to the step of
// ctx: named with the run's application_name, and, where the server has it,
// with client_connection_check_interval set, so that runonce can end them
// when it stops the step or when the next holder takes over. cfg is
// returned unchanged (not copied) when ctx is not a step's.
func TagConnConfig(ctx context.Context, cfg *pgx.ConnConfig) *pgx.ConnConfig {
	r, ok := RunFromContext(ctx)
	if !ok || cfg == nil {
		return cfg
	}
	c := cfg.Copy()
	if c.RuntimeParams == nil {
		c.RuntimeParams = map[string]string{}
	}
	c.RuntimeParams["application_name"] = r.ApplicationName
	if r.CheckInterval > 0 {
		c.RuntimeParams["client_connection_check_interval"] = strconv.FormatInt(r.CheckInterval.Milliseconds(), 10)
	}
	return c
}

// PGOptions returns existing (the PGOPTIONS a command would inherit) with
// the run's client_connection_check_interval appended, for libpq-based
// commands; existing unchanged when the run has none.
func (r StepRun) PGOptions(existing string) string {
	if r.CheckInterval <= 0 {
		return existing
	}
	opt := fmt.Sprintf("-c client_connection_check_interval=%d", r.CheckInterval.Milliseconds())
	if strings.TrimSpace(existing) == "" {
		return opt
	}
	return existing + " " + opt
}

// Querier is what Fence needs from the step's transaction: pgx.Tx, *pgx.Conn
// and pgxpool's types have it.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Fence is a fencing token for the step's own transaction: it locks the
// run's ledger row (FOR SHARE) and returns an error wrapping ErrLockLost
// unless the row still says running. Call it in the transaction that writes
// the step's work, before it commits, on a connection to the ledger's
// database. A next holder marks an earlier run abandoned only after every
// transaction that passed Fence for it has ended (its UPDATE waits for the
// row lock), and ends such sessions first; so a transaction that passed
// Fence never commits after the next run started.
func Fence(ctx context.Context, q Querier) error {
	r, ok := RunFromContext(ctx)
	if !ok {
		return fmt.Errorf("%w: fence: the context is not a runonce step's", ErrInvalidOptions)
	}
	var st RunState
	err := q.QueryRow(ctx, `SELECT status FROM `+r.table+` WHERE id = $1 FOR SHARE`, r.ID).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: fence: run %d is not in the ledger", ErrLockLost, r.ID)
	}
	if err != nil {
		return fmt.Errorf("fence: %w", err)
	}
	if st != RunStateRunning {
		return fmt.Errorf("%w: fence: run %d is %s", ErrLockLost, r.ID, st)
	}
	return nil
}

const stepAppPrefix = "runonce-step/"

// stepAppName is the application_name of run id's step sessions.
func stepAppName(key int64, id int64) string {
	return fmt.Sprintf("%s%016x/%d", stepAppPrefix, uint64(key), id)
}

// stepAppPattern matches the step sessions of every run of key (LIKE).
func stepAppPattern(key int64) string {
	return fmt.Sprintf("%s%016x/%%", stepAppPrefix, uint64(key))
}

// endSessionsSQL is a query that ends the sessions of this database whose
// application_name is LIKE pattern, waiting up to wait for each to exit
// (PostgreSQL 14 and later; older servers only signal), and returns how
// many it found, how many are still there (they did not exit in time) and
// how many it may not end (another role's, without pg_signal_backend; a
// superuser's). It is folded into statements runonce sends anyway, so that
// ending nothing costs no round trip.
func endSessionsSQL(pattern, waitMs string, pg14 bool) string {
	term := "pg_terminate_backend(a.pid, " + waitMs + ")"
	if !pg14 {
		// Only signals; the caller polls (waitSessionsGone). The
		// parameter stays referenced so the statement keeps its shape.
		term = "(pg_terminate_backend(a.pid) AND " + waitMs + "::bigint >= 0)"
	}
	return `SELECT count(*) AS found,
	  count(*) FILTER (WHERE CASE WHEN NOT s.may THEN false ELSE NOT ` + term + ` END) AS left_over,
	  count(*) FILTER (WHERE NOT s.may) AS not_ours
	FROM pg_stat_activity a
	CROSS JOIN LATERAL (SELECT coalesce(
	    (pg_has_role(a.usesysid, 'USAGE') OR pg_has_role('pg_signal_backend', 'USAGE'))
	    AND (NOT r.rolsuper OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)), false) AS may
	  FROM pg_roles r WHERE r.oid = a.usesysid) s
	WHERE a.datname = current_database() AND a.application_name LIKE ` + pattern + ` AND a.pid <> pg_backend_pid()`
}

// ended is what endSessionsSQL found.
type ended struct{ found, left, notOurs int64 }

// serverVersion is conn's server_version_num (e.g. 150004), read from what
// the server reported at connect; 0 when unknown.
func serverVersion(conn *pgx.Conn) int {
	v, err := strconv.Atoi(conn.PgConn().ParameterStatus("server_version_num"))
	if err != nil {
		major, _ := strconv.Atoi(leadingDigits(conn.PgConn().ParameterStatus("server_version")))
		v = major * 10000
	}
	return v
}

// stepRun builds the identity of run id on the session's server.
func (r *runner) stepRun(s *session, id int64) StepRun {
	sr := StepRun{ID: id, ApplicationName: stepAppName(r.key, id), Holder: r.o.Holder, table: r.ledger.table}
	// PgBouncer refuses the startup parameter unless told to ignore it
	// (ignore_startup_parameters = options).
	if s.pg14 && !r.o.TransactionPooler {
		sr.CheckInterval = max(r.o.heartbeat(), 100*time.Millisecond)
	}
	return sr
}

// waitSessionsGone polls until no session matching pattern is left, keeping
// the lock alive with heartbeats, for at most bound. It runs only when
// ending them in one statement did not finish the job (a server older than
// 14, or a session slow to exit).
func (r *runner) waitSessionsGone(ctx context.Context, s *session, pattern string, bound time.Duration) error {
	deadline := time.Now().Add(bound)
	lastBeat := time.Now()
	for {
		var e ended
		sctx, cancel := r.bounded(ctx)
		err := s.ledger.QueryRow(sctx, endSessionsSQL("$1", "0", false), pattern).Scan(&e.found, &e.left, &e.notOurs)
		cancel()
		if err != nil {
			return fmt.Errorf("end the step sessions of earlier runs: %w", err)
		}
		if e.found-e.notOurs == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			r.log.Error("sessions of an earlier run did not exit; starting beside them", "sessions", e.found-e.notOurs, "waited", bound)
			return nil
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
		if time.Since(lastBeat) >= r.o.heartbeat() {
			if err := r.beat(s.lock); err != nil {
				return fmt.Errorf("lock lost while ending an earlier run's sessions: %w", err)
			}
			lastBeat = time.Now()
		}
	}
}

// needsPoll says whether the sessions must still be waited for: some did
// not exit in time, or the server (older than 14) only signalled them.
func (e ended) needsPoll(pg14 bool) bool {
	return e.left > 0 || !pg14 && e.found-e.notOurs > 0
}
