package dsn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bloglabs/posts/labs/postgres"
	"github.com/bloglabs/posts/labs/runtimes"
)

// Env names the environment variable the lab CLI reads the DSN from when
// --dsn is not given.
const Env = "LABS_POSTGRES_DSN"

// ErrNoDSN is returned by [Open] for an empty DSN.
var ErrNoDSN = errors.New("no DSN: give one with --dsn or " + Env + " (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")

// Server is a server reached through a DSN.
type Server struct {
	admin   string
	addr    string
	version string

	mu      sync.Mutex
	created []string
}

// Open checks that the server answers and returns it.
func Open(ctx context.Context, dsn string) (*Server, error) {
	if dsn == "" {
		return nil, ErrNoDSN
	}
	addr, err := postgres.Addr(dsn)
	if err != nil {
		return nil, fmt.Errorf("dsn postgres: %w", err)
	}
	v, err := postgres.Version(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("dsn postgres: %s: %w", postgres.Redact(dsn), err)
	}
	return &Server{admin: dsn, addr: addr, version: v}, nil
}

// Describe names the server for a report: "PostgreSQL 16.4 at db:5432".
func (s *Server) Describe() string { return fmt.Sprintf("PostgreSQL %s at %s", s.version, s.addr) }

// CreateDatabase creates a database and returns its DSN.
func (s *Server) CreateDatabase(ctx context.Context, name string) (string, error) {
	dsn, err := postgres.CreateDatabase(ctx, s.admin, name)
	if err != nil {
		return "", fmt.Errorf("dsn postgres: %w (the DSN's role needs CREATEDB)", err)
	}
	s.mu.Lock()
	s.created = append(s.created, name)
	s.mu.Unlock()
	return dsn, nil
}

// AdminDSN is the DSN given.
func (s *Server) AdminDSN() string { return s.admin }

// Backend is the server as a runtime that runs replicas in containers sees
// it: an address, relayed when it is this machine's loopback.
func (s *Server) Backend() runtimes.Backend { return runtimes.Backend{Name: "postgres", Addr: s.addr} }

// Stop drops the databases the labs created: the server is yours.
func (s *Server) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, name := range s.created {
		if err := postgres.DropDatabase(ctx, s.admin, name); err != nil {
			errs = append(errs, err)
		}
	}
	s.created = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("dsn postgres: %w", err)
	}
	return nil
}
