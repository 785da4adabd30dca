// Package pgtemp starts a throwaway PostgreSQL server from the machine's own
// server binaries: a fresh data directory, a free port on 127.0.0.1, a unix
// socket directory of its own, settings tuned for tests (fsync off), and a
// clean stop that removes everything.
//
// It is the one PostgreSQL that runonce's tests, the fault suite and the labs
// start. Several servers may run at once (go test runs packages in parallel):
// each picks its own port and directories.
//
// For fault tests it also makes a hot standby of a running server
// ([Server.StartStandby]: pg_basebackup -R, streaming from it) and puts
// PgBouncer in front of one ([Server.StartPgBouncer], transaction or session
// pooling, scram-sha-256 on both sides), and [Server.Shutdown],
// [Server.Resume] and [Server.Restart] stop and start a server in place.
//
// PostgreSQL refuses to run as root ("cannot be run as root"), and tests and
// labs often run as root in CI containers. When the current user is root,
// pgtemp runs initdb, postgres, pg_basebackup and pgbouncer (which refuses
// root too) as an unprivileged user (the "postgres" system user where it
// exists, else "nobody") that owns the data directory.
//
// Binaries are found, in order, in $LABS_PG_BINDIR, on PATH, in
// /usr/lib/postgresql/*/bin (newest first), in /usr/local/opt/postgresql*/bin
// and /opt/homebrew/opt/postgresql*/bin, and at `pg_config --bindir`. When
// none is found, [Start] returns [ErrNoBinaries] with the commands that
// install them.
package pgtemp
