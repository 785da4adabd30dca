// Package dsn is the labs' Postgres provider for a server you already have:
// a DSN (postgres://USER:PASSWORD@HOST:PORT/DATABASE) of a role that may
// create databases. Each lab creates databases of its own on it (lab_race_*,
// lab_fix_*, cmp_*) and [Server.Stop] drops them again; the DSN's database
// is the one the lab watches pg_stat_activity from.
//
// For the docker and kind runtimes the server must be reachable from
// containers: a host name or address other than this machine's loopback,
// or — on Linux, where the runtime relays loopback addresses — 127.0.0.1.
package dsn
