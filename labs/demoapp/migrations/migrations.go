package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"
)

// FS holds the SQL migrations. Version 3 has no file: it is the Go
// migration [SeedAndBackfill], registered with the provider.
//
//go:embed *.sql
var FS embed.FS

// Versions of the steps the lab reasons about.
const (
	// StepVersion seeds plans and backfills accounts.plan_id: the slow,
	// one-time step (a Go migration).
	StepVersion int64 = 3
	// IndexVersion builds plans_name_key with CREATE INDEX CONCURRENTLY.
	IndexVersion int64 = 4
)

// Latest is the version the full set migrates to.
const Latest = IndexVersion

// StepName is the migration_runs.step of version 3.
const StepName = "seed-and-backfill"

// IndexName is the unique index version 4 builds.
const IndexName = "plans_name_key"

// SeedPlans are the rows version 3 inserts, each expected exactly once.
var SeedPlans = []string{"free", "pro", "team"}

// ErrStepFailed is the error of a version 3 told to fail (DEMOAPP_FAIL_STEP):
// the workshop's exercise on a one-time step that fails.
var ErrStepFailed = errors.New("the one-time step failed on purpose (DEMOAPP_FAIL_STEP)")

// SeedAndBackfill returns the Go migration for version 3. It records its run
// in migration_runs, calls started (so the app can report it), inserts the
// plans, then sets accounts.plan_id in ten batches spread over d, the way a
// throttled backfill of a big table is run in production. With fail, it
// returns [ErrStepFailed] before it changes anything, so that a retry starts
// from a clean slate.
func SeedAndBackfill(d time.Duration, fail bool, started func()) *goose.Migration {
	up := func(ctx context.Context, db *sql.DB) error {
		if fail {
			return ErrStepFailed
		}
		var id int64
		// Committed on its own, before any work: a run that crashes
		// half-way still counts.
		if err := db.QueryRowContext(ctx,
			`INSERT INTO migration_runs (step, holder) VALUES ($1, current_setting('application_name')) RETURNING id`,
			StepName).Scan(&id); err != nil {
			return fmt.Errorf("record the run: %w", err)
		}
		if started != nil {
			started()
		}
		// No ON CONFLICT: there is no unique key yet (version 4 adds it),
		// as in many real schemas that grew one later.
		if _, err := db.ExecContext(ctx,
			`INSERT INTO plans (name, price_cents) VALUES ('free', 0), ('pro', 900), ('team', 2900)`); err != nil {
			return fmt.Errorf("seed plans: %w", err)
		}
		const batches = 10
		for i := range batches {
			if _, err := db.ExecContext(ctx,
				`UPDATE accounts a SET plan_id = p.id FROM plans p
				 WHERE p.name = a.plan AND a.plan_id IS NULL AND a.id % $1 = $2`, batches, i); err != nil {
				return fmt.Errorf("backfill batch %d: %w", i, err)
			}
			t := time.NewTimer(d / batches)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		if _, err := db.ExecContext(ctx, `UPDATE migration_runs SET finished_at = clock_timestamp() WHERE id = $1`, id); err != nil {
			return fmt.Errorf("record the run's end: %w", err)
		}
		return nil
	}
	down := func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, `UPDATE accounts SET plan_id = NULL; DELETE FROM plans WHERE name IN ('free', 'pro', 'team')`)
		return err
	}
	return goose.NewGoMigration(StepVersion, &goose.GoFunc{RunDB: up}, &goose.GoFunc{RunDB: down})
}
