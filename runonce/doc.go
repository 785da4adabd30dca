// Package runonce runs a one-time step — a schema install, an upgrade, a seed
// — exactly once per version and before anything else, however many replicas
// of a program start together, using PostgreSQL as the only coordinator.
//
// [Do] takes a lock, runs a function while holding it, and records the result
// in a ledger table. With [Options.Version] set, the function runs once per
// (name, version): the replica that gets the lock runs it; the others wait,
// then see that it succeeded and return without running it; replicas that
// arrive later skip at once, in one query, without taking the lock. A failed
// run is retried by whichever replica takes the lock next. With no Version,
// every caller runs the function, one at a time.
//
// # How it holds the lock, and why
//
//   - Dedicated connections, never a pool: pools recycle connections and with
//     them session locks. application_name is "runonce/NAME/HOLDER", so
//     pg_stat_activity shows who holds and who waits.
//   - Waiters poll pg_try_advisory_xact_lock with jittered backoff (25 ms
//     growing to 1.5 s), woken early by LISTEN/NOTIFY when the holder finishes.
//     They never block inside pg_advisory_lock or LOCK TABLE: a blocked waiter
//     holds a snapshot, and then a CREATE INDEX CONCURRENTLY in the step waits
//     for it forever.
//   - The lock is transaction-scoped, held by a READ COMMITTED transaction
//     that stays open and idle while the step runs. It never holds a snapshot
//     between statements, so it does not hold up CREATE INDEX CONCURRENTLY,
//     and it pins one server connection even behind PgBouncer in transaction
//     mode, where session locks silently break.
//   - The transaction carries a server-side lease: SET LOCAL
//     idle_in_transaction_session_timeout = Lease. A heartbeat (SELECT 1)
//     every Lease/5 keeps it alive. A holder that is partitioned or frozen
//     stops heartbeating, and the server ends its session and frees the lock
//     within Lease — not the hours a TCP keepalive takes. On the holder's
//     side a heartbeat that fails or takes longer than Lease/5 fences the
//     step: its context is cancelled with [ErrLockLost] at most 2×Lease/5
//     after the last good heartbeat, well before the server frees the lock.
//   - The final status is written inside the lock's own transaction and
//     committed with it, so the lock is never free while the ledger still
//     says "running" for a finished run.
//
// # Lock key
//
// The advisory lock key is the 64-bit FNV-1a hash of "runonce:"+Name, as a
// signed bigint ([LockKey]). In pg_locks it appears with locktype
// 'advisory', classid = key>>32, objid = key&0xffffffff and objsubid = 1.
// `runonce status` prints it.
//
// # Ledger
//
// The table SCHEMA.runs (Schema defaults to "runonce") has one row per
// attempt: name, version, holder, status (running, succeeded, failed,
// interrupted, abandoned), exit code, error, started and finished times. It is
// created on first use under its own advisory lock, because concurrent
// CREATE TABLE IF NOT EXISTS races in PostgreSQL. A row still "running" when
// the next holder takes the lock belonged to a holder that died; it is marked
// "abandoned".
//
// # What "once" promises
//
// While the step's holder is alive and connected, no other replica runs it.
// A holder that loses its connection stops its step (its context is
// cancelled) before the server frees the lock, provided the step honours
// cancellation within Lease − 2×Lease/5. A step that succeeded but whose
// result could not be recorded (the database vanished at that instant) is
// run again by the next holder: once means "at most once at a time, and
// until it is recorded as succeeded".
package runonce
