package pgtest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/tools/pgtemp"
)

var (
	server  *pgtemp.Server
	baseDSN string
	counter atomic.Int64
)

// Main starts the package's server (or takes LABS_TEST_DSN), runs the tests
// and stops it. Use it as TestMain's body: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if dsn := os.Getenv("LABS_TEST_DSN"); dsn != "" {
		baseDSN = dsn
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s, err := pgtemp.Start(ctx, pgtemp.Options{Logger: slog.New(slog.DiscardHandler)})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	server, baseDSN = s, s.DSN()
	defer func() {
		if err := s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}()
	return m.Run()
}

// Server is the package's server, or nil when LABS_TEST_DSN is used.
func Server() *pgtemp.Server { return server }

// BaseDSN is the DSN of the package's server's default database.
func BaseDSN(t testing.TB) string {
	t.Helper()
	if baseDSN == "" {
		t.Fatal("pgtest: no server; call pgtest.Main from TestMain")
	}
	return baseDSN
}

// DB creates a fresh database for the test and returns its DSN. The database
// is dropped when the test ends (connections to it are ended first).
func DB(t testing.TB) string {
	t.Helper()
	base := BaseDSN(t)
	dsn, name, err := create(base, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("pgtest: connect to drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return dsn
}

// ExampleDB is DB for runnable examples, which have no testing.TB: the
// database lives as long as the package's server.
func ExampleDB(label string) string {
	if baseDSN == "" {
		panic("pgtest: no server; call pgtest.Main from TestMain")
	}
	dsn, _, err := create(baseDSN, label)
	if err != nil {
		panic(err)
	}
	return dsn
}

func create(base, label string) (dsn, name string, err error) {
	name = fmt.Sprintf("t_%d_%d_%s", os.Getpid(), counter.Add(1), sanitize(label))
	if len(name) > 63 {
		name = name[:63]
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", "", fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", "", fmt.Errorf("pgtest: parse DSN: %w", err)
	}
	u.Path = "/" + name
	return u.String(), name, nil
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, s)
}
