// Package embedded is the labs' default Postgres provider: a throwaway
// server started from the machine's own PostgreSQL binaries with
// tools/pgtemp — a fresh data directory, a free port, removed at Stop. It
// needs no Docker and runs as root too (the server then runs as an
// unprivileged user). When no binaries are found, [Start] says how to install
// them.
//
// The lab engine consumes it through its Postgres interface; the
// testcontainers (container) and dsn providers sit beside this package.
// Replicas in containers reach it through a relay the docker and kind
// runtimes put on their network's gateway ([Server.Backend] says it is on
// this machine's loopback).
package embedded
