package pgtemp_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/tools/pgtemp"
)

func start(t *testing.T, opts pgtemp.Options) *pgtemp.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := pgtemp.Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return s
}

func query(t *testing.T, dsn, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var out string
	if err := conn.QueryRow(ctx, sql).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func TestStartServesAndStopRemoves(t *testing.T) {
	t.Parallel()
	s := start(t, pgtemp.Options{Database: "app", Settings: map[string]string{"max_connections": "37"}})
	if got := query(t, s.DSN(), "SELECT current_database()"); got != "app" {
		t.Errorf("current_database = %q, want app", got)
	}
	if got := query(t, s.DSN(), "SHOW max_connections"); got != "37" {
		t.Errorf("max_connections = %q, want 37 (Settings must override defaults)", got)
	}
	if got := query(t, s.DSN(), "SHOW fsync"); got != "off" {
		t.Errorf("fsync = %q, want off", got)
	}
	if strings.Contains(s.SafeDSN(), s.Password()) {
		t.Errorf("SafeDSN %q shows the password", s.SafeDSN())
	}
}

func TestWrongPasswordRefused(t *testing.T) {
	t.Parallel()
	s := start(t, pgtemp.Options{Password: "right"})
	bad := strings.Replace(s.DSN(), ":right@", ":wrong@", 1)
	conn, err := pgx.Connect(context.Background(), bad)
	if err == nil {
		conn.Close(context.Background())
		t.Fatal("connected with a wrong password; want scram-sha-256 to refuse")
	}
}

func TestParallelServersDoNotCollide(t *testing.T) {
	t.Parallel()
	const n = 4
	servers := make([]*pgtemp.Server, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { servers[i] = start(t, pgtemp.Options{}) })
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, s := range servers {
		if seen[s.Port()] {
			t.Fatalf("two servers on port %d", s.Port())
		}
		seen[s.Port()] = true
		query(t, s.DSN(), "SELECT 'ok'")
	}
}

func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	s := start(t, pgtemp.Options{})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('x')"); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []pgtemp.ShutdownMode{pgtemp.Fast, pgtemp.Immediate} {
		if err := s.Restart(ctx, mode); err != nil {
			t.Fatalf("Restart(%v): %v", mode, err)
		}
		if err := conn.Ping(ctx); err == nil {
			t.Fatalf("mode %v: old connection still alive after restart", mode)
		}
		if got := query(t, s.DSN(), "SELECT v FROM kept"); got != "x" {
			t.Fatalf("after restart (mode %v) got %q, want x", mode, got)
		}
	}
}
