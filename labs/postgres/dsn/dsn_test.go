package dsn_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/labs/postgres/dsn"
	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// A lab on your server creates its databases there and drops them at the
// end: the server is left as it was.
func TestCreateAndDropDatabases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin := pgtest.BaseDSN(t)
	s, err := dsn.Open(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if d := s.Describe(); !strings.HasPrefix(d, "PostgreSQL ") || !strings.Contains(d, " at 127.0.0.1:") {
		t.Errorf("Describe = %q", d)
	}
	if !s.Backend().Loopback() {
		t.Errorf("Backend %+v: a server on 127.0.0.1 is loopback", s.Backend())
	}
	db, err := s.CreateDatabase(ctx, "dsn_lab_x")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = 'dsn_lab_x'").Scan(&n); err != nil || n != 0 {
		t.Errorf("database dsn_lab_x still there after Stop (%d, %v)", n, err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := dsn.Open(ctx, ""); !errors.Is(err, dsn.ErrNoDSN) {
		t.Errorf("Open(\"\") = %v, want ErrNoDSN", err)
	}
	_, err := dsn.Open(ctx, "host=db password=hunter2")
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("Open(key=value) = %v; want a hint at the URL form, without the password", err)
	}
}
