package postgres

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Version is the server's version, short: "15.14" of
// "15.14 (Debian 15.14-0+deb12u1)".
func Version(ctx context.Context, dsn string) (string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", fmt.Errorf("server version: %w", err)
	}
	v, _, _ = strings.Cut(v, " ")
	return v, nil
}

// CreateDatabase creates database name on the server adminDSN connects to,
// and returns the DSN of the new database.
func CreateDatabase(ctx context.Context, adminDSN, name string) (string, error) {
	dsn, err := WithDatabase(adminDSN, name)
	if err != nil {
		return "", err
	}
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return "", fmt.Errorf("connect to create database %q: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %q: %w", name, err)
	}
	return dsn, nil
}

// DropDatabase drops database name, ending its sessions first.
func DropDatabase(ctx context.Context, adminDSN, name string) error {
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("connect to drop database %q: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name); err != nil {
		return fmt.Errorf("end sessions of %q: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("drop database %q: %w", name, err)
	}
	return nil
}

// WithDatabase returns the URL dsn pointed at database name.
func WithDatabase(dsn, name string) (string, error) {
	u, err := ParseURL(dsn)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// ParseURL parses a postgres:// or postgresql:// URL with a host.
func ParseURL(dsn string) (*url.URL, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		// Never echo the DSN: it may hold a password.
		return nil, fmt.Errorf("want a URL of the form postgres://USER:PASSWORD@HOST:PORT/DATABASE")
	}
	return u, nil
}

// Addr is the DSN's host:port, the port defaulting to 5432.
func Addr(dsn string) (string, error) {
	u, err := ParseURL(dsn)
	if err != nil {
		return "", err
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "5432"), nil
	}
	return u.Host, nil
}

// Redact is the DSN with its password replaced by xxxxx, for output.
func Redact(dsn string) string {
	u, err := ParseURL(dsn)
	if err != nil {
		return "(a DSN that is not a URL)"
	}
	return u.Redacted()
}
