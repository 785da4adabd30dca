// Package postgres is what the labs' Postgres providers share: reading a
// server's version, creating a database and pointing a DSN at it. The
// providers sit below it — embedded (the default: local binaries),
// container (a container, through testcontainers-go) and dsn (a server you
// already have) — and the lab engine consumes them through its Postgres
// interface (labs/engine).
package postgres
