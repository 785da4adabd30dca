package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/bloglabs/posts/labs/postgres"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/tools/pgtemp"
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
	v, err := postgres.Version(ctx, pg.DSN())
	if err != nil {
		_ = pg.Stop()
		return nil, fmt.Errorf("embedded postgres: %w", err)
	}
	s := &Server{pg: pg, version: v}
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

// Backend is the server as a runtime that runs replicas in containers sees
// it: an address on this machine's loopback.
func (s *Server) Backend() runtimes.Backend {
	return runtimes.Backend{Name: "postgres", Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.pg.Port()))}
}

// Stop ends the server and removes its files.
func (s *Server) Stop() error { return s.pg.Stop() }
