// Package embedded is the labs' default Postgres provider: a throwaway
// server started from the machine's own PostgreSQL binaries with
// tools/pgtemp — a fresh data directory, a free port, removed at Stop. It
// needs no Docker and runs as root too (the server then runs as an
// unprivileged user). When no binaries are found, [Start] says how to install
// them.
//
// The lab engine consumes it through its Postgres interface; the
// testcontainers and dsn providers will sit beside this package.
package embedded
