package runonce

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// RunState is a run's state in the ledger.
type RunState string

// The states a run goes through: running, then one of the others.
const (
	// RunStateRunning: the step is running (or its holder vanished; the next
	// holder marks the row abandoned).
	RunStateRunning RunState = "running"
	// RunStateSucceeded: the step returned nil (exit 0) without runonce
	// having told it to stop. Only this state ends a version.
	RunStateSucceeded RunState = "succeeded"
	// RunStateFailed: the step returned an error (a non-zero exit), or ran
	// past RunTimeout.
	RunStateFailed RunState = "failed"
	// RunStateInterrupted: the step was told to stop — the caller's context
	// ended (a signal), or the lock was lost — whatever it returned.
	RunStateInterrupted RunState = "interrupted"
	// RunStateAbandoned: its holder vanished mid-run; marked by the next.
	RunStateAbandoned RunState = "abandoned"
)

// RunStates lists every state, in the order a run can reach them.
func RunStates() []RunState {
	return []RunState{RunStateRunning, RunStateSucceeded, RunStateFailed, RunStateInterrupted, RunStateAbandoned}
}

// LockKey is the advisory lock key of step name in the ledger schema: the
// FNV-1a 64-bit hash of "runonce:"+name for the default schema "runonce"
// (or ""), as earlier releases computed it, so a fleet upgrading runonce
// keeps one lock; of "runonce:"+schema+"\x00"+name for any other schema, so
// two ledgers never share a lock (a name cannot hold a NUL, so the two forms
// cannot meet). PostgreSQL shows it as a signed bigint.
func LockKey(schema, name string) int64 {
	if schema == "" || schema == defaultSchema {
		return hashKey("runonce:" + name)
	}
	return hashKey("runonce:" + schema + "\x00" + name)
}

// ddlKey serializes the ledger's CREATE TABLE IF NOT EXISTS, which races
// when run concurrently (duplicate key in pg_type).
func ddlKey(schema string) int64 { return hashKey("runonce:ddl:" + schema) }

func hashKey(s string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return int64(h.Sum64())
}

// channel is the NOTIFY channel a holder signals when it finishes. It derives
// from the lock key, which names the schema and the step.
func channel(key int64) string { return fmt.Sprintf("runonce_%016x", uint64(key)) }

// lockTagParts splits a key as pg_locks shows it: classid, objid.
func lockTagParts(key int64) (classid, objid uint32) {
	return uint32(uint64(key) >> 32), uint32(uint64(key))
}

type ledger struct {
	schema string
	table  string // quoted schema.runs
}

func newLedger(schema string) ledger {
	return ledger{schema: schema, table: pgx.Identifier{schema, "runs"}.Sanitize()}
}

func (l ledger) ddl() string {
	return `CREATE SCHEMA IF NOT EXISTS ` + pgx.Identifier{l.schema}.Sanitize() + `;
CREATE TABLE IF NOT EXISTS ` + l.table + ` (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name        text        NOT NULL,
	version     text,
	holder      text        NOT NULL,
	status      text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'abandoned')),
	exit_code   integer,
	error       text,
	started_at  timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS runs_name_version_status_idx ON ` + l.table + ` (name, version, status);
COMMENT ON TABLE ` + l.table + ` IS 'runonce ledger: one row per attempt at a step; see https://github.com/bloglabs/posts/tree/main/runonce'`
}

func isMissingTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == sqlUndefinedTable || pgErr.Code == sqlInvalidSchema)
}

// probeResult is what the fast path's one query learns.
type probeResult struct {
	standby bool   // pg_is_in_recovery()
	exists  bool   // the ledger table exists
	done    bool   // (name, version) already succeeded
	server  string // serverIdentitySQL
}

// serverIdentitySQL names the server a session reached: its address and port
// as the server sees them (NULL over a unix socket) and the postmaster's
// start time, which two servers on one host do not share. A physical standby
// shares its primary's system identifier, so that alone would not tell
// them apart. Every role may call these functions.
const serverIdentitySQL = `coalesce(host(inet_server_addr()), 'local') || ':' || coalesce(inet_server_port()::text, '-') || ' started ' || pg_postmaster_start_time()::text`

// probe is the fast path: one query says whether the server is a standby,
// which server it is, whether the ledger exists and whether (name, version)
// already succeeded.
func (l ledger) probe(ctx context.Context, conn *pgx.Conn, name, version string) (probeResult, error) {
	var p probeResult
	if version != "" {
		err := conn.QueryRow(ctx, `SELECT pg_is_in_recovery(), `+serverIdentitySQL+`, EXISTS (SELECT 1 FROM `+l.table+
			` WHERE name = $1 AND version = $2 AND status = 'succeeded')`, name, version).Scan(&p.standby, &p.server, &p.done)
		if err == nil {
			p.exists = true
			return p, nil
		}
		if !isMissingTable(err) {
			return p, fmt.Errorf("read ledger: %w", err)
		}
	}
	err := conn.QueryRow(ctx, `SELECT pg_is_in_recovery(), `+serverIdentitySQL+`, to_regclass($1) IS NOT NULL`, l.schema+".runs").Scan(&p.standby, &p.server, &p.exists)
	if err != nil {
		return p, fmt.Errorf("check server: %w", err)
	}
	return p, nil
}

// serverIdentity reads serverIdentitySQL on conn.
func serverIdentity(ctx context.Context, conn *pgx.Conn) (string, error) {
	var id string
	if err := conn.QueryRow(ctx, `SELECT `+serverIdentitySQL).Scan(&id); err != nil {
		return "", fmt.Errorf("identify server: %w", err)
	}
	return id, nil
}

// ensure creates the ledger unless it exists, under a transaction-scoped
// advisory lock taken by polling (never blocking: see the package doc).
func (l ledger) ensure(ctx context.Context, conn *pgx.Conn) error {
	key := strconv.FormatInt(ddlKey(l.schema), 10)
	for {
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, l.schema+".runs").Scan(&exists); err != nil {
			return fmt.Errorf("check ledger: %w", err)
		}
		if exists {
			return nil
		}
		got, err := tryXactLock(ctx, conn, "", key)
		if err != nil {
			return fmt.Errorf("lock ledger creation: %w", err)
		}
		if got {
			if _, err := conn.PgConn().Exec(ctx, l.ddl()+"; COMMIT").ReadAll(); err != nil {
				_, _ = conn.PgConn().Exec(context.WithoutCancel(ctx), "ROLLBACK").ReadAll()
				return fmt.Errorf("create ledger %s (the user needs CREATE on the database, or create it in advance): %w", l.table, err)
			}
			return nil
		}
		if err := sleep(ctx, jitter(30*time.Millisecond)); err != nil {
			return err
		}
	}
}

// tryXactLock begins a transaction and tries the advisory lock in one round
// trip. On true the transaction stays open holding the lock; on false it has
// been rolled back. prelude holds SET LOCAL statements for the transaction.
func tryXactLock(ctx context.Context, conn *pgx.Conn, prelude, key string) (bool, error) {
	results, err := conn.PgConn().Exec(ctx, "BEGIN ISOLATION LEVEL READ COMMITTED; "+prelude+"SELECT pg_try_advisory_xact_lock("+key+")").ReadAll()
	if err != nil {
		if conn.PgConn().TxStatus() != 'I' && !conn.IsClosed() {
			_, _ = conn.PgConn().Exec(context.WithoutCancel(ctx), "ROLLBACK").ReadAll()
		}
		return false, err
	}
	last := results[len(results)-1]
	if len(last.Rows) == 1 && len(last.Rows[0]) == 1 && string(last.Rows[0][0]) == "t" {
		return true, nil
	}
	if _, err := conn.PgConn().Exec(ctx, "ROLLBACK").ReadAll(); err != nil {
		return false, err
	}
	return false, nil
}

func (l ledger) succeeded(ctx context.Context, conn *pgx.Conn, name, version string) (bool, error) {
	var done bool
	err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+l.table+
		` WHERE name = $1 AND version = $2 AND status = 'succeeded')`, name, version).Scan(&done)
	if err != nil {
		return false, fmt.Errorf("read ledger: %w", err)
	}
	return done, nil
}

type abandonedRun struct {
	ID     int64
	Holder string
}

// runningRun is a ledger row still marked running.
type runningRun struct {
	ID        int64
	Holder    string
	StartedAt time.Time
}

func (l ledger) running(ctx context.Context, conn *pgx.Conn, name string) ([]runningRun, error) {
	rows, err := conn.Query(ctx, `SELECT id, holder, started_at FROM `+l.table+` WHERE name = $1 AND status = 'running' ORDER BY id`, name)
	if err != nil {
		return nil, fmt.Errorf("read running runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[runningRun])
	if err != nil {
		return nil, fmt.Errorf("read running runs: %w", err)
	}
	return out, nil
}

// heardFrom says whether a session named appName (see applicationName) that
// was connected before since, other than ours (exclude, and this one), ran a
// statement within the last d: its holder's ledger heartbeat. PostgreSQL
// hides backend_start and state_change of other roles' sessions from a role
// without pg_read_all_stats; such a session, still connected under that
// name, counts as heard from: the wait it causes is bounded (see handover).
func heardFrom(ctx context.Context, conn *pgx.Conn, appName string, since time.Time, d time.Duration, exclude uint32) (bool, error) {
	var n int
	err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid() AND pid <> $3
		  AND (backend_start IS NULL OR backend_start <= $2)
		  AND (state_change IS NULL OR state_change > clock_timestamp() - $4::bigint * interval '1 millisecond')`,
		appName, since, int64(exclude), d.Milliseconds()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read sessions: %w", err)
	}
	return n > 0, nil
}

// markAbandoned closes the rows of holders that died mid-run. Only the lock's
// holder calls it, so no live holder's row can be among them.
func (l ledger) markAbandoned(ctx context.Context, conn *pgx.Conn, name string) ([]abandonedRun, error) {
	rows, err := conn.Query(ctx, `UPDATE `+l.table+` SET status = 'abandoned', finished_at = clock_timestamp(),
		error = coalesce(error, 'holder vanished while running (killed, or lost its connection)')
		WHERE name = $1 AND status = 'running' RETURNING id, holder`, name)
	if err != nil {
		return nil, fmt.Errorf("mark abandoned runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[abandonedRun])
	if err != nil {
		return nil, fmt.Errorf("mark abandoned runs: %w", err)
	}
	return out, nil
}

func (l ledger) start(ctx context.Context, conn *pgx.Conn, name, version, holder string) (int64, error) {
	var id int64
	err := conn.QueryRow(ctx, `INSERT INTO `+l.table+` (name, version, holder, status)
		VALUES ($1, $2, $3, 'running') RETURNING id`, name, nullable(version), holder).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record run: %w", err)
	}
	return id, nil
}

// state reads one run's state.
func (l ledger) state(ctx context.Context, conn *pgx.Conn, id int64) (RunState, error) {
	var st RunState
	if err := conn.QueryRow(ctx, `SELECT status FROM `+l.table+` WHERE id = $1`, id).Scan(&st); err != nil {
		return "", fmt.Errorf("read run %d: %w", id, err)
	}
	return st, nil
}

// finish records the outcome on conn, outside the lock's transaction: for a
// holder whose lock is already gone.
func (l ledger) finish(ctx context.Context, conn *pgx.Conn, id int64, status RunState, exitCode *int, errText string) error {
	_, err := conn.Exec(ctx, `UPDATE `+l.table+` SET status = $2, exit_code = $3, error = $4, finished_at = clock_timestamp() WHERE id = $1`,
		id, status, exitCode, nullable(errText))
	if err != nil {
		return fmt.Errorf("record result: %w", err)
	}
	return nil
}

// finishAndRelease records the outcome inside the lock's transaction,
// announces it, and commits: one round trip, and the lock is released only
// together with the result.
func (l ledger) finishAndRelease(ctx context.Context, conn *pgx.Conn, id int64, status RunState, exitCode *int, errText, channel, payload string) error {
	b := &pgx.Batch{}
	b.Queue(`UPDATE `+l.table+` SET status = $2, exit_code = $3, error = $4, finished_at = clock_timestamp() WHERE id = $1`,
		id, status, exitCode, nullable(errText))
	b.Queue(`SELECT pg_notify($1, $2)`, channel, payload)
	b.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("record result: %w", err)
	}
	if conn.PgConn().TxStatus() != 'I' {
		return fmt.Errorf("record result: transaction still open after COMMIT (status %c)", conn.PgConn().TxStatus())
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
