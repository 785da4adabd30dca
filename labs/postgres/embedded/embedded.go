package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/labs/tools/pgtemp"
)

// Options configure the server. The zero value is the lab default.
type Options struct {
	// MaxConnections is the server's max_connections. Defaults to 300:
	// enough for 20 replicas each holding a few connections, and for a
	// comparison's samplers.
	MaxConnections int
	// Logger receives pgtemp's progress. Defaults to discarding.
	Logger *slog.Logger
}

// Server is a running embedded PostgreSQL.
type Server struct {
	pg      *pgtemp.Server
	version string
}

// Start starts a server and returns once it accepts connections.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.MaxConnections == 0 {
		opts.MaxConnections = 300
	}
	pg, err := pgtemp.Start(ctx, pgtemp.Options{
		Logger:   opts.Logger,
		Settings: map[string]string{"max_connections": fmt.Sprint(opts.MaxConnections)},
	})
	if err != nil {
		return nil, fmt.Errorf("embedded postgres: %w", err)
	}
	s := &Server{pg: pg}
	conn, err := pgx.Connect(ctx, pg.DSN())
	if err != nil {
		_ = pg.Stop()
		return nil, fmt.Errorf("embedded postgres: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		_ = pg.Stop()
		return nil, fmt.Errorf("embedded postgres: version: %w", err)
	}
	// "15.14 (Debian 15.14-0+deb12u1)" → "15.14"
	s.version, _, _ = strings.Cut(v, " ")
	return s, nil
}

// Describe names the server for a report: "embedded PostgreSQL 15.14".
func (s *Server) Describe() string { return "embedded PostgreSQL " + s.version }

// CreateDatabase creates a database and returns its DSN (password included:
// give it to programs, never print it).
func (s *Server) CreateDatabase(ctx context.Context, name string) (string, error) {
	if err := s.pg.CreateDatabase(ctx, name); err != nil {
		return "", fmt.Errorf("embedded postgres: %w", err)
	}
	return s.pg.DSNFor(name), nil
}

// AdminDSN is the DSN of the server's maintenance database ("postgres").
func (s *Server) AdminDSN() string { return s.pg.DSNFor("postgres") }

// Stop ends the server and removes its files.
func (s *Server) Stop() error { return s.pg.Stop() }
