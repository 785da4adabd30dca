package embedded_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/labs/postgres/embedded"
)

func TestStartCreateDatabaseStop(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := embedded.Start(ctx, embedded.Options{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	if d := s.Describe(); !regexp.MustCompile(`^embedded PostgreSQL \d+(\.\d+)?$`).MatchString(d) {
		t.Errorf("Describe = %q, want embedded PostgreSQL N.N", d)
	}
	dsn, err := s.CreateDatabase(ctx, "lab_x")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var db, maxConns string
	if err := conn.QueryRow(ctx, "SELECT current_database(), current_setting('max_connections')").Scan(&db, &maxConns); err != nil {
		t.Fatal(err)
	}
	if db != "lab_x" || maxConns != "300" {
		t.Errorf("database %q max_connections %q, want lab_x and 300 (room for 20 replicas)", db, maxConns)
	}
}
