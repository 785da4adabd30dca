package demoapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Serve runs the HTTP service until ctx is done. With migrateOnBoot it first
// migrates (the start-up the post describes) and returns the error — the
// process exits and its runtime restarts it — when that fails.
func Serve(ctx context.Context, c Config, migrateOnBoot bool, log *slog.Logger) error {
	if err := c.validate(); err != nil {
		return err
	}
	if migrateOnBoot {
		if err := Migrate(ctx, c, log); err != nil {
			return err
		}
	}
	db, err := openDB(c)
	if err != nil {
		return err
	}
	defer db.Close()
	// Two connections are plenty for probes; the lab counts connections.
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(1)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := schemaReady(r.Context(), db, c.TargetVersion()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	l, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(c.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	log.Info("serving", "event", EventServing, "port", c.Port)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// schemaReady reports whether goose has recorded the target version.
func schemaReady(ctx context.Context, db *sql.DB, target int64) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var ok bool
	err := db.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM goose_db_version WHERE version_id = $1 AND is_applied)`, target).Scan(&ok)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if !ok {
		return fmt.Errorf("schema version %d not applied yet", target)
	}
	return nil
}
