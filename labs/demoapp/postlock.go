package demoapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostLock is the post's recipe, ported faithfully so that the lab can
// measure it as a peer:
//
//	BEGIN; LOCK TABLE install_locks IN ACCESS EXCLUSIVE MODE;
//	run the command; COMMIT
//
// on every replica. Waiters block inside LOCK TABLE, the transaction stays
// open while the command runs, every replica runs the command in turn, and the
// command's exit status is ignored (the post calls os.system and drops its
// result) — all as in the post. One defect is fixed, because without the fix
// the recipe cannot run at all: the post declares install_locks but never
// creates it, and a has_table-then-create check races; here the table is
// created under a transaction-scoped advisory lock. The command is exec'd
// directly rather than through a shell; that changes quoting, not locking.
func PostLock(ctx context.Context, c Config, argv []string, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(argv) == 0 {
		return fmt.Errorf("postlock: no command")
	}
	cc, err := connConfig(c)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return fmt.Errorf("postlock: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	if err := createLockTable(ctx, conn); err != nil {
		return err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postlock: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it is a no-op
	t0 := time.Now()
	if _, err := tx.Exec(ctx, "LOCK TABLE install_locks IN ACCESS EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("postlock: lock table install_locks: %w", err)
	}
	if waited := time.Since(t0); waited > 50*time.Millisecond {
		log.Info("waited for LOCK TABLE install_locks", "event", EventWaited, "seconds", round(waited))
	}
	log.Info("holding LOCK TABLE install_locks", "event", EventLocked)

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	runErr := cmd.Run()
	code := 0
	if runErr != nil {
		code = -1
		var ee *exec.ExitError
		if errors.As(runErr, &ee) {
			code = ee.ExitCode()
		}
	}
	// Ignored, as the post ignores os.system's status; reported so that the
	// lab can show it.
	log.Info("command exited", "event", EventCommandExited, "code", code)
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postlock: commit: %w", err)
	}
	return nil
}

// createLockTable creates install_locks once even when every replica tries
// at the same moment: concurrent CREATE TABLE IF NOT EXISTS can fail on
// Postgres' catalog unique index, so creation is serialized.
func createLockTable(ctx context.Context, conn *pgx.Conn) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('install_locks'))"); err != nil {
			return fmt.Errorf("postlock: serialize lock table creation: %w", err)
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS install_locks (id integer PRIMARY KEY)"); err != nil {
			return fmt.Errorf("postlock: create install_locks: %w", err)
		}
		return nil
	})
}
