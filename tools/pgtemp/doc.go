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
// On a Mac nobody is root, so nothing is dropped: the server runs as the
// user. On Windows, [Start] returns [ErrWindows], which says to run the labs
// inside WSL2 (the package still builds there, so everything importing it
// does).
//
// Binaries are found ([FindBinDir]) in $LABS_PG_BINDIR when it is set (and
// only there), else beside the postgres on PATH, then in the folders where
// installers put them — Debian's /usr/lib/postgresql/*/bin, the PGDG RPMs'
// /usr/pgsql-*/bin, Homebrew's opt/postgresql@*/bin and opt/postgresql/bin
// under /opt/homebrew (Apple silicon) and /usr/local (Intel), Postgres.app's
// /Applications/Postgres.app/Contents/Versions/*/bin and the EDB installer's
// /Library/PostgreSQL/*/bin, newest version first — and last at
// `pg_config --bindir`. When none is found, [Start] returns [ErrNoBinaries]
// with the commands that install them.
package pgtemp
