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
//     them session locks. application_name is "runonce/KEY/HOLDER" (the lock
//     key in hex; the holder escaped to printable ASCII; at most 63 bytes, so
//     PostgreSQL stores it as sent), so pg_stat_activity shows who holds and
//     who waits, and a new holder can find an earlier one's sessions.
//   - Both connections reach one primary: with several hosts in the DSN only a
//     primary is taken (as target_session_attrs=primary), and the lock's
//     connection must reach the server the ledger's did (address, port and
//     postmaster start time), or the attempt starts over.
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
//     idle_in_transaction_session_timeout = Lease. A heartbeat every Lease/5
//     — the empty query, which resets the idle timer without taking a
//     snapshot that a CREATE INDEX CONCURRENTLY in the step would wait
//     for — keeps it alive, and between beats the holder waits on
//     the connection itself. A holder that is partitioned or frozen stops
//     heartbeating, and the server ends its session and frees the lock
//     within Lease — not the hours a TCP keepalive takes. On the holder's
//     side a heartbeat that fails or takes longer than Lease/5 fences the
//     step: its context is cancelled with [ErrLockLost] at most 2×Lease/5
//     after the last answered heartbeat, well before the server frees the
//     lock. A session the server ends on its own (a restart, a crash,
//     pg_terminate_backend) fences the step the moment the connection
//     reports it, one round trip, not at the next heartbeat.
//   - The lock is confirmed with a heartbeat just before the step starts,
//     so an answer to the try-lock that arrived late (across a partition)
//     never starts a step on a lock the server has already freed; a ctx
//     that ended meanwhile starts nothing and records nothing.
//   - A new holder that finds a run still "running" waits until it is
//     closed or the old holder's StopGrace + its Lease/5 has passed since it
//     took the lock, whatever ended the old session; up to the old holder's
//     Lease while it still heartbeats its running row. The bounds come from
//     that row (the old holder recorded them), never from the new holder's
//     options: a fleet may mix leases. The lock can be free while the
//     earlier step is still stopping.
//   - The step's database work is fenced, not only its process. The step's
//     sessions carry the run's identity (application_name
//     "runonce-step/KEY/RUN": [RunFromContext], [TagConnConfig]; the CLI
//     sets PGAPPNAME, and client_connection_check_interval in PGOPTIONS).
//     The holder ends them, and waits until they are gone, in the statement
//     that records the outcome; a new holder ends those of earlier runs in
//     the statement that marks them abandoned, before its step starts. Ending
//     nothing costs no round trip. [Fence] is a fencing token for a step's
//     own transaction.
//   - A step that was told to stop (RunTimeout, the lock lost, ctx ended)
//     is never recorded as succeeded, whatever it returned.
//   - While waiting, each statement is bounded by Lease: a connection that
//     went silent (a partition, a forgotten NAT entry), or a session pooler
//     that holds a replica's second connection back, makes it start over on
//     new connections rather than sit until WaitTimeout.
//   - The final status is written inside the lock's own transaction and
//     committed with it, so the lock is never free while the ledger still
//     says "running" for a finished run.
//
// # Lock key
//
// The advisory lock key is the 64-bit FNV-1a hash of "runonce:"+Name for the
// default schema, of "runonce:"+Schema+"\x00"+Name for any other, as a
// signed bigint ([LockKey]): two ledgers never share a lock. A waiter acts
// on NOTIFYs of its own channel only, and skips only when its own ledger
// says the version succeeded. In pg_locks it appears with locktype
// 'advisory', classid = key>>32, objid = key&0xffffffff and objsubid = 1.
// `runonce status` prints it.
//
// # Ledger
//
// The table SCHEMA.runs (Schema defaults to "runonce") has one row per
// attempt: name, version, holder, status (running, succeeded, failed,
// interrupted, abandoned), exit code, error, started and finished times, and
// the holder's lease, stop grace and last heartbeat (added to an earlier
// release's ledger on first use, idempotently). It is
// created on first use under its own advisory lock, because concurrent
// CREATE TABLE IF NOT EXISTS races in PostgreSQL. A row still "running" when
// the next holder takes the lock belonged to a holder that died; it is marked
// "abandoned".
//
// # What "once" promises
//
// No two replicas run the step at the same time while their holders are
// alive: a holder that loses the lock stops its step (its context is
// cancelled) before another can start, provided the step honours
// cancellation within [StopBound], Lease/2 (the CLI's SIGTERM, then SIGKILL
// after --kill-grace, default Lease/3, at most Lease/2). With a Version, the step runs until it is
// recorded as succeeded, and never after that.
//
// It does not promise that a successful step is never repeated: a holder
// cut off from the database in the last 2×Lease/5 of its step, or between
// its step's end and the commit of its result, cannot record the success;
// the next holder runs the step again — after, never beside. Steps should
// tolerate that (goose's version table does). Nor does it stop a step whose
// runonce process is frozen (SIGSTOP, a VM paused longer than the lease) or
// a step that ignores its cancellation: the server frees the lock after the
// lease regardless; the next holder then ends the old step's tagged
// sessions, but not its other side effects. docs/runonce.md gives the
// measured bounds and the fence's boundary (untagged sessions, other
// databases, roles runonce may not signal).
package runonce
