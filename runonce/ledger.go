package runonce

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
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
COMMENT ON TABLE ` + l.table + ` IS 'runonce ledger: one row per attempt at a step; see https://github.com/bloglabs/posts/tree/main/runonce';
` + l.migration()
}

// migration brings a ledger made by an earlier release up to date; it can
// run any number of times. The running row records its holder's bounds and
// heartbeat, so that a next holder judges the handover by them rather than
// by its own settings (round 3), and the holder's process ID and host, so
// that `runonce status` names the process to stop, not only its server
// session (issue 21).
func (l ledger) migration() string {
	return `ALTER TABLE ` + l.table + `
	ADD COLUMN IF NOT EXISTS lease_ms    bigint,
	ADD COLUMN IF NOT EXISTS stop_ms     bigint,
	ADD COLUMN IF NOT EXISTS beat_at     timestamptz,
	ADD COLUMN IF NOT EXISTS client_pid  integer,
	ADD COLUMN IF NOT EXISTS client_host text`
}

// currentSQL says whether the ledger exists and has the latest columns.
func (l ledger) currentSQL(param string) string {
	return `EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(` + param + `) AND attname = 'client_host' AND NOT attisdropped)`
}

func isMissingTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == sqlUndefinedTable || pgErr.Code == sqlInvalidSchema)
}

// probeResult is what the fast path's one query learns.
type probeResult struct {
	standby bool   // pg_is_in_recovery()
	exists  bool   // the ledger table exists
	current bool   // with the latest columns (see migration)
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
			` WHERE name = $1 AND version = $2 AND status = 'succeeded'), `+l.currentSQL("$3"), name, version, l.schema+".runs").Scan(&p.standby, &p.server, &p.done, &p.current)
		if err == nil {
			p.exists = true
			return p, nil
		}
		if !isMissingTable(err) {
			return p, fmt.Errorf("read ledger: %w", err)
		}
	}
	err := conn.QueryRow(ctx, `SELECT pg_is_in_recovery(), `+serverIdentitySQL+`, to_regclass($1) IS NOT NULL, `+l.currentSQL("$1"), l.schema+".runs").Scan(&p.standby, &p.server, &p.exists, &p.current)
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

// ensure creates the ledger, or brings an earlier release's up to date,
// unless it is current, under a transaction-scoped advisory lock taken by
// polling (never blocking: see the package doc).
func (l ledger) ensure(ctx context.Context, conn *pgx.Conn) error {
	key := strconv.FormatInt(ddlKey(l.schema), 10)
	for {
		var current bool
		if err := conn.QueryRow(ctx, `SELECT `+l.currentSQL("$1"), l.schema+".runs").Scan(&current); err != nil {
			return fmt.Errorf("check ledger: %w", err)
		}
		if current {
			return nil
		}
		got, err := tryXactLock(ctx, conn, "", key)
		if err != nil {
			return fmt.Errorf("lock ledger creation: %w", err)
		}
		if got {
			if _, err := conn.PgConn().Exec(ctx, l.ddl()+"; COMMIT").ReadAll(); err != nil {
				_, _ = conn.PgConn().Exec(context.WithoutCancel(ctx), "ROLLBACK").ReadAll()
				return fmt.Errorf("create or migrate ledger %s (the user needs CREATE on the database and to own the table, or create and migrate it in advance: see Upgrading in docs/runonce.md): %w", l.table, err)
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

// runningRun is a ledger row still marked running, with what its holder
// recorded about itself: its lease and the time its step has to stop (NULL
// in rows of releases before round 3), and how long ago it last
// heartbeat its row, by the server's clock.
type runningRun struct {
	ID        int64
	Holder    string
	StartedAt time.Time
	LeaseMs   *int64
	StopMs    *int64
	BeatAgeMs *int64
}

func (l ledger) running(ctx context.Context, conn *pgx.Conn, name string) ([]runningRun, error) {
	rows, err := conn.Query(ctx, `SELECT id, holder, started_at, lease_ms, stop_ms,
		(extract(epoch FROM clock_timestamp() - beat_at) * 1000)::bigint
		FROM `+l.table+` WHERE name = $1 AND status = 'running' ORDER BY id`, name)
	if err != nil {
		return nil, fmt.Errorf("read running runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[runningRun])
	if err != nil {
		return nil, fmt.Errorf("read running runs: %w", err)
	}
	return out, nil
}

// markAbandoned ends the step sessions of earlier runs of the step (those
// whose application_name matches pattern, see stepAppName), waiting up to
// waitMs for each to exit, and closes the rows of holders that died
// mid-run — in one statement, the one a new holder sends anyway. Only the
// lock's holder calls it, so no live holder's row can be among them. The
// sessions are ended first: a step transaction that holds its row FOR
// SHARE (Fence) would otherwise hold the UPDATE back.
func (l ledger) markAbandoned(ctx context.Context, conn *pgx.Conn, name, pattern string, waitMs int64, pg14 bool) ([]abandonedRun, ended, error) {
	var e ended
	var ids []int64
	var holders []string
	err := conn.QueryRow(ctx, `WITH ended AS MATERIALIZED (`+endSessionsSQL("$2", "$3", pg14)+`),
	ab AS (UPDATE `+l.table+` SET status = 'abandoned', finished_at = clock_timestamp(),
		error = coalesce(error, 'holder vanished while running (killed, or lost its connection)')
		WHERE name = $1 AND status = 'running' AND (SELECT found FROM ended) >= 0 RETURNING id, holder)
	SELECT e.found, e.left_over, e.not_ours, ARRAY(SELECT id FROM ab ORDER BY id), ARRAY(SELECT holder FROM ab ORDER BY id) FROM ended e`,
		name, pattern, waitMs).Scan(&e.found, &e.left, &e.notOurs, &ids, &holders)
	if err != nil {
		return nil, e, fmt.Errorf("mark abandoned runs: %w", err)
	}
	out := make([]abandonedRun, len(ids))
	for i := range ids {
		out[i] = abandonedRun{ID: ids[i], Holder: holders[i]}
	}
	return out, e, nil
}

// runSelf is what a holder records about itself in its running row: its
// bounds, which a next holder's handover reads, and where its process runs.
type runSelf struct {
	lease, stop time.Duration
	pid         int
	host        string
}

// thisProcess is runSelf's process part: this process's ID and host name
// (empty when the system will not tell).
func thisProcess(lease, stop time.Duration) runSelf {
	host, _ := os.Hostname()
	return runSelf{lease: lease, stop: stop, pid: os.Getpid(), host: host}
}

func (l ledger) start(ctx context.Context, conn *pgx.Conn, name, version, holder string, b runSelf) (int64, error) {
	var id int64
	err := conn.QueryRow(ctx, `INSERT INTO `+l.table+` (name, version, holder, status, lease_ms, stop_ms, beat_at, client_pid, client_host)
		VALUES ($1, $2, $3, 'running', $4, $5, clock_timestamp(), $6, $7) RETURNING id`,
		name, nullable(version), holder, b.lease.Milliseconds(), b.stop.Milliseconds(), b.pid, nullable(b.host)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record run: %w", err)
	}
	return id, nil
}

// beat records that the holder of run id is alive. A step transaction that
// holds the row (Fence) must not hold the holder back: the beat is then
// skipped, which only makes a next holder's handover wait shorter, never
// an overlap (the wait for a live holder is the longer one).
func (l ledger) beat(ctx context.Context, conn *pgx.Conn, id int64) error {
	_, err := conn.Exec(ctx, `UPDATE `+l.table+` SET beat_at = clock_timestamp()
		WHERE id = (SELECT id FROM `+l.table+` WHERE id = $1 AND status = 'running' FOR NO KEY UPDATE SKIP LOCKED)`, id)
	return err
}

// state reads one run's state.
func (l ledger) state(ctx context.Context, conn *pgx.Conn, id int64) (RunState, error) {
	var st RunState
	if err := conn.QueryRow(ctx, `SELECT status FROM `+l.table+` WHERE id = $1`, id).Scan(&st); err != nil {
		return "", fmt.Errorf("read run %d: %w", id, err)
	}
	return st, nil
}

// finish ends the step's sessions (pattern, see endSessionsSQL) and records
// the outcome on conn, outside the lock's transaction: for a holder whose
// lock is already gone. One statement.
func (l ledger) finish(ctx context.Context, conn *pgx.Conn, id int64, status RunState, exitCode *int, errText, pattern string, waitMs int64, pg14 bool) (ended, error) {
	var e ended
	err := conn.QueryRow(ctx, `WITH ended AS MATERIALIZED (`+endSessionsSQL("$5", "$6", pg14)+`),
	up AS (UPDATE `+l.table+` SET status = $2, exit_code = $3, error = $4, finished_at = clock_timestamp()
		WHERE id = $1 AND (SELECT found FROM ended) >= 0 RETURNING id)
	SELECT e.found, e.left_over, e.not_ours FROM ended e LEFT JOIN up ON true`,
		id, status, exitCode, nullable(errText), pattern, waitMs).Scan(&e.found, &e.left, &e.notOurs)
	if err != nil {
		return e, fmt.Errorf("record result: %w", err)
	}
	return e, nil
}

// finishAndRelease ends the step's sessions, records the outcome inside the
// lock's transaction, announces it, and commits: one round trip, and the
// lock is released only together with the result, after the step's sessions
// are gone.
func (l ledger) finishAndRelease(ctx context.Context, conn *pgx.Conn, id int64, status RunState, exitCode *int, errText, channel, payload, pattern string, waitMs int64, pg14 bool) (ended, error) {
	var e ended
	b := &pgx.Batch{}
	b.Queue(endSessionsSQL("$1", "$2", pg14), pattern, waitMs).QueryRow(func(row pgx.Row) error {
		return row.Scan(&e.found, &e.left, &e.notOurs)
	})
	b.Queue(`UPDATE `+l.table+` SET status = $2, exit_code = $3, error = $4, finished_at = clock_timestamp() WHERE id = $1`,
		id, status, exitCode, nullable(errText))
	b.Queue(`SELECT pg_notify($1, $2)`, channel, payload)
	b.Queue(`COMMIT`)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return e, fmt.Errorf("record result: %w", err)
	}
	if conn.PgConn().TxStatus() != 'I' {
		return e, fmt.Errorf("record result: transaction still open after COMMIT (status %c)", conn.PgConn().TxStatus())
	}
	return e, nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
