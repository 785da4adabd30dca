package demoapp

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/labs/demoapp/migrations"
)

// Inspection is what the database holds, compared with the schema as
// designed. The labs' verdicts come from it, not from what replicas said.
type Inspection struct {
	// Problems lists every difference from the design, worst first; empty
	// means the database is exactly as designed.
	Problems []string
	// RunsOfStep counts the backfill's runs (rows in migration_runs).
	RunsOfStep int
	// RunsByHolder counts them per replica (application_name).
	RunsByHolder map[string]int
	// PlanRows is the number of rows in plans (3 by design).
	PlanRows int
	// VersionRows counts goose_db_version rows per applied version.
	VersionRows map[int64]int
	// IndexValid is nil when plans_name_key does not exist.
	IndexValid *bool
}

// OK reports whether the database is exactly as designed.
func (in *Inspection) OK() bool { return len(in.Problems) == 0 }

// Inspect checks the database at dsn against the schema the app installs
// (with or without the CREATE INDEX CONCURRENTLY step): tables and column
// present, each seed row exactly once, every goose version recorded exactly
// once, the unique index present and valid (a failed CREATE INDEX
// CONCURRENTLY leaves it INVALID), no other invalid index, and the one-time
// step run exactly once.
func Inspect(ctx context.Context, dsn string, createIndex bool) (*Inspection, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("inspect: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	in := &Inspection{RunsByHolder: map[string]int{}, VersionRows: map[int64]int{}}
	problem := func(format string, args ...any) { in.Problems = append(in.Problems, fmt.Sprintf(format, args...)) }

	exists := map[string]bool{}
	for _, t := range []string{"plans", "accounts", "migration_runs", "goose_db_version"} {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT to_regclass('public.' || $1) IS NOT NULL`, t).Scan(&ok); err != nil {
			return nil, fmt.Errorf("inspect: table %s: %w", t, err)
		}
		exists[t] = ok
		if !ok {
			problem("table %s is missing", t)
		}
	}
	if exists["accounts"] {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = 'accounts' AND column_name = 'plan_id')`).Scan(&ok); err != nil {
			return nil, fmt.Errorf("inspect: column: %w", err)
		}
		if !ok {
			problem("column accounts.plan_id is missing")
		}
	}

	if createIndex {
		var valid, unique bool
		err := conn.QueryRow(ctx, `SELECT i.indisvalid AND i.indisready, i.indisunique FROM pg_index i
			WHERE i.indexrelid = to_regclass('public.' || $1)`, migrations.IndexName).Scan(&valid, &unique)
		switch {
		case err == pgx.ErrNoRows:
			problem("index %s is missing", migrations.IndexName)
		case err != nil:
			return nil, fmt.Errorf("inspect: index: %w", err)
		default:
			in.IndexValid = &valid
			if !valid {
				problem("index %s is INVALID: a CREATE INDEX CONCURRENTLY failed and left it behind; plans.name is not unique, and every later run of that migration fails with \"already exists\"", migrations.IndexName)
			}
			if !unique {
				problem("index %s is not unique", migrations.IndexName)
			}
		}
	}
	rows, err := conn.Query(ctx, `SELECT i.indexrelid::regclass::text FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND NOT (i.indisvalid AND i.indisready) AND c.relname <> $1 ORDER BY 1`, migrations.IndexName)
	if err != nil {
		return nil, fmt.Errorf("inspect: invalid indexes: %w", err)
	}
	invalid, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("inspect: invalid indexes: %w", err)
	}
	for _, name := range invalid {
		problem("index %s is INVALID", name)
	}

	if exists["plans"] {
		rows, err := conn.Query(ctx, `SELECT name, count(*) FROM plans GROUP BY name ORDER BY name`)
		if err != nil {
			return nil, fmt.Errorf("inspect: plans: %w", err)
		}
		counts := map[string]int{}
		var name string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&name, &n}, func() error { counts[name] = n; in.PlanRows += n; return nil }); err != nil {
			return nil, fmt.Errorf("inspect: plans: %w", err)
		}
		var dup, missing, extra []string
		for _, p := range migrations.SeedPlans {
			switch c := counts[p]; {
			case c == 0:
				missing = append(missing, p)
			case c > 1:
				dup = append(dup, fmt.Sprintf("%s ×%d", p, c))
			}
		}
		for p := range counts {
			if !slices.Contains(migrations.SeedPlans, p) {
				extra = append(extra, p)
			}
		}
		sort.Strings(extra)
		if len(dup) > 0 {
			problem("plans holds %d seed rows, want %d: %s", in.PlanRows, len(migrations.SeedPlans), strings.Join(dup, ", "))
		}
		if len(missing) > 0 {
			problem("plans lacks seed rows: %s", strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			problem("plans holds unexpected rows: %s", strings.Join(extra, ", "))
		}
	}

	if exists["goose_db_version"] {
		rows, err := conn.Query(ctx, `SELECT version_id, count(*) FROM goose_db_version WHERE is_applied GROUP BY version_id ORDER BY version_id`)
		if err != nil {
			return nil, fmt.Errorf("inspect: goose_db_version: %w", err)
		}
		var v int64
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&v, &n}, func() error { in.VersionRows[v] = n; return nil }); err != nil {
			return nil, fmt.Errorf("inspect: goose_db_version: %w", err)
		}
		target := TargetVersion(createIndex)
		var dup, missing []string
		for v := int64(0); v <= target; v++ {
			switch n := in.VersionRows[v]; {
			case n == 0:
				missing = append(missing, fmt.Sprint(v))
			case n > 1:
				dup = append(dup, fmt.Sprintf("%d ×%d", v, n))
			}
		}
		if len(dup) > 0 {
			problem("goose_db_version records versions more than once: %s", strings.Join(dup, ", "))
		}
		if len(missing) > 0 {
			problem("goose_db_version lacks versions: %s", strings.Join(missing, ", "))
		}
		for v := range in.VersionRows {
			if v > target {
				problem("goose_db_version records version %d, beyond the target %d", v, target)
			}
		}
	}

	if exists["migration_runs"] {
		rows, err := conn.Query(ctx, `SELECT holder, count(*) FROM migration_runs WHERE step = $1 GROUP BY holder`, migrations.StepName)
		if err != nil {
			return nil, fmt.Errorf("inspect: migration_runs: %w", err)
		}
		var h string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&h, &n}, func() error { in.RunsByHolder[h] = n; in.RunsOfStep += n; return nil }); err != nil {
			return nil, fmt.Errorf("inspect: migration_runs: %w", err)
		}
		if in.RunsOfStep != 1 {
			problem("the one-time step (%s) ran %d times, want once", migrations.StepName, in.RunsOfStep)
		}
	}
	return in, nil
}
