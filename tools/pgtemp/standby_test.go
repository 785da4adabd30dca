package pgtemp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/tools/pgtemp"
)

func TestStartStandby(t *testing.T) {
	t.Parallel()
	s := start(t, pgtemp.Options{Database: "app"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE before_backup (v text); INSERT INTO before_backup VALUES ('x')"); err != nil {
		t.Fatal(err)
	}
	sb, err := s.StartStandby(ctx)
	if err != nil {
		t.Fatalf("StartStandby: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Stop(); err != nil {
			t.Errorf("standby Stop: %v", err)
		}
	})
	if sb.Port() == s.Port() {
		t.Fatalf("standby on the primary's port %d", s.Port())
	}
	if got := query(t, sb.DSN(), "SELECT pg_is_in_recovery()::text"); got != "true" {
		t.Errorf("standby pg_is_in_recovery = %s, want true", got)
	}
	if got := query(t, sb.DSN(), "SELECT v FROM before_backup"); got != "x" {
		t.Errorf("standby reads %q from the backup, want x", got)
	}
	// It streams: a row written on the primary shows up.
	if _, err := conn.Exec(ctx, "CREATE TABLE after_backup (v text); INSERT INTO after_backup VALUES ('y')"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := pgx.Connect(ctx, sb.DSN())
		if err != nil {
			t.Fatal(err)
		}
		var v string
		err = c.QueryRow(ctx, "SELECT v FROM after_backup").Scan(&v)
		c.Close(ctx)
		if err == nil && v == "y" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a row written on the primary did not reach the standby in 10s (last: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStartPgBouncer(t *testing.T) {
	t.Parallel()
	if _, err := pgtemp.FindPgBouncer(); errors.Is(err, pgtemp.ErrNoPgBouncer) {
		t.Skip("pgbouncer is not installed (apt-get install -y pgbouncer)")
	}
	s := start(t, pgtemp.Options{Database: "app", Password: "pw-through-bouncer"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.CreateDatabase(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"transaction", "session"} {
		t.Run(mode, func(t *testing.T) {
			b, err := s.StartPgBouncer(ctx, pgtemp.PgBouncerOptions{PoolMode: mode, PoolSize: 2, Users: map[string]string{"app_user": "app-pw"}})
			if err != nil {
				t.Fatalf("StartPgBouncer: %v", err)
			}
			defer func() {
				if err := b.Stop(); err != nil {
					t.Errorf("Stop: %v", err)
				}
			}()
			if b.Port() == s.Port() {
				t.Fatal("PgBouncer on the server's port")
			}
			if got := query(t, b.DSN(), "SELECT current_database()"); got != "app" {
				t.Errorf("through PgBouncer current_database = %q, want app", got)
			}
			if got := query(t, b.DSNFor("other"), "SELECT current_database()"); got != "other" {
				t.Errorf("DSNFor(other): current_database = %q, want other", got)
			}
			if mode == "transaction" {
				// One server connection (PoolSize 2, one used at a time)
				// serves both clients' transactions in turn. (pgx's named
				// statement cache would collide there: use unnamed ones.)
				pids := map[string]bool{}
				for range 2 {
					c, err := pgx.Connect(ctx, b.DSN()+"&default_query_exec_mode=exec")
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close(ctx)
					var pid string
					if err := c.QueryRow(ctx, "SELECT pg_backend_pid()::text").Scan(&pid); err != nil {
						t.Fatal(err)
					}
					pids[pid] = true
				}
				if len(pids) != 1 {
					t.Errorf("two clients in transaction mode ran on %d server connections, want 1 (transaction pooling)", len(pids))
				}
			}
			bad := b.DSNAs(s.User(), "wrong", "app")
			if c, err := pgx.Connect(ctx, bad); err == nil {
				c.Close(ctx)
				t.Error("PgBouncer let a wrong password in")
			}
		})
	}
}
