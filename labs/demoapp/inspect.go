package demoapp

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
	exists, err := in.checkTables(ctx, conn)
	if err != nil {
		return nil, err
	}
	checks := []struct {
		run  bool
		step func(context.Context, *pgx.Conn) error
	}{
		{exists["accounts"], in.checkColumn},
		{createIndex, in.checkIndex},
		{true, in.checkInvalidIndexes},
		{exists["plans"], in.checkPlans},
		{exists["goose_db_version"], func(ctx context.Context, conn *pgx.Conn) error { return in.checkVersions(ctx, conn, createIndex) }},
		{exists["migration_runs"], in.checkRuns},
	}
	for _, c := range checks {
		if !c.run {
			continue
		}
		if err := c.step(ctx, conn); err != nil {
			return nil, err
		}
	}
	return in, nil
}

func (in *Inspection) problem(format string, args ...any) {
	in.Problems = append(in.Problems, fmt.Sprintf(format, args...))
}

// checkTables notes every table the app creates that is missing, and
// returns which exist.
func (in *Inspection) checkTables(ctx context.Context, conn *pgx.Conn) (map[string]bool, error) {
	exists := map[string]bool{}
	for _, t := range []string{"plans", "accounts", "migration_runs", "goose_db_version"} {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT to_regclass('public.' || $1) IS NOT NULL`, t).Scan(&ok); err != nil {
			return nil, fmt.Errorf("inspect: table %s: %w", t, err)
		}
		exists[t] = ok
		if !ok {
			in.problem("table %s is missing", t)
		}
	}
	return exists, nil
}

// checkColumn checks the column migration 2 adds.
func (in *Inspection) checkColumn(ctx context.Context, conn *pgx.Conn) error {
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = 'accounts' AND column_name = 'plan_id')`).Scan(&ok); err != nil {
		return fmt.Errorf("inspect: column: %w", err)
	}
	if !ok {
		in.problem("column accounts.plan_id is missing")
	}
	return nil
}

// checkIndex checks the unique index CREATE INDEX CONCURRENTLY builds: a
// failed build leaves it INVALID.
func (in *Inspection) checkIndex(ctx context.Context, conn *pgx.Conn) error {
	var valid, unique bool
	err := conn.QueryRow(ctx, `SELECT i.indisvalid AND i.indisready, i.indisunique FROM pg_index i
		WHERE i.indexrelid = to_regclass('public.' || $1)`, migrations.IndexName).Scan(&valid, &unique)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		in.problem("index %s is missing", migrations.IndexName)
		return nil
	case err != nil:
		return fmt.Errorf("inspect: index: %w", err)
	}
	in.IndexValid = &valid
	if !valid {
		in.problem("index %s is INVALID: a CREATE INDEX CONCURRENTLY failed and left it behind; plans.name is not unique, and every later run of that migration fails with \"already exists\"", migrations.IndexName)
	}
	if !unique {
		in.problem("index %s is not unique", migrations.IndexName)
	}
	return nil
}

// checkInvalidIndexes notes any other index left INVALID.
func (in *Inspection) checkInvalidIndexes(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT i.indexrelid::regclass::text FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND NOT (i.indisvalid AND i.indisready) AND c.relname <> $1 ORDER BY 1`, migrations.IndexName)
	if err != nil {
		return fmt.Errorf("inspect: invalid indexes: %w", err)
	}
	invalid, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("inspect: invalid indexes: %w", err)
	}
	for _, name := range invalid {
		in.problem("index %s is INVALID", name)
	}
	return nil
}

// checkPlans counts the seed rows.
func (in *Inspection) checkPlans(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT name, count(*) FROM plans GROUP BY name ORDER BY name`)
	if err != nil {
		return fmt.Errorf("inspect: plans: %w", err)
	}
	counts := map[string]int{}
	var name string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&name, &n}, func() error { counts[name] = n; in.PlanRows += n; return nil }); err != nil {
		return fmt.Errorf("inspect: plans: %w", err)
	}
	in.Problems = append(in.Problems, planProblems(counts, migrations.SeedPlans)...)
	return nil
}

// planProblems compares the rows of plans per name with the seed: each
// seed row exactly once, nothing else.
func planProblems(counts map[string]int, seed []string) []string {
	var dup, missing, extra []string
	total := 0
	for _, c := range counts {
		total += c
	}
	for _, p := range seed {
		switch c := counts[p]; {
		case c == 0:
			missing = append(missing, p)
		case c > 1:
			dup = append(dup, fmt.Sprintf("%s ×%d", p, c))
		}
	}
	for p := range counts {
		if !slices.Contains(seed, p) {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	var out []string
	if len(dup) > 0 {
		out = append(out, fmt.Sprintf("plans holds %d seed rows, want %d: %s", total, len(seed), strings.Join(dup, ", ")))
	}
	if len(missing) > 0 {
		out = append(out, "plans lacks seed rows: "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		out = append(out, "plans holds unexpected rows: "+strings.Join(extra, ", "))
	}
	return out
}

// checkVersions counts goose's applied versions.
func (in *Inspection) checkVersions(ctx context.Context, conn *pgx.Conn, createIndex bool) error {
	rows, err := conn.Query(ctx, `SELECT version_id, count(*) FROM goose_db_version WHERE is_applied GROUP BY version_id ORDER BY version_id`)
	if err != nil {
		return fmt.Errorf("inspect: goose_db_version: %w", err)
	}
	var v int64
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&v, &n}, func() error { in.VersionRows[v] = n; return nil }); err != nil {
		return fmt.Errorf("inspect: goose_db_version: %w", err)
	}
	in.Problems = append(in.Problems, versionProblems(in.VersionRows, TargetVersion(createIndex))...)
	return nil
}

// versionProblems compares goose's rows per version with versions 0 to
// target, each recorded exactly once.
func versionProblems(rows map[int64]int, target int64) []string {
	var dup, missing, beyond []string
	for v := int64(0); v <= target; v++ {
		switch n := rows[v]; {
		case n == 0:
			missing = append(missing, fmt.Sprint(v))
		case n > 1:
			dup = append(dup, fmt.Sprintf("%d ×%d", v, n))
		}
	}
	for _, v := range slices.Sorted(maps.Keys(rows)) {
		if v > target {
			beyond = append(beyond, fmt.Sprintf("goose_db_version records version %d, beyond the target %d", v, target))
		}
	}
	var out []string
	if len(dup) > 0 {
		out = append(out, "goose_db_version records versions more than once: "+strings.Join(dup, ", "))
	}
	if len(missing) > 0 {
		out = append(out, "goose_db_version lacks versions: "+strings.Join(missing, ", "))
	}
	return append(out, beyond...)
}

// checkRuns counts the one-time step's runs, per replica.
func (in *Inspection) checkRuns(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT holder, count(*) FROM migration_runs WHERE step = $1 GROUP BY holder`, migrations.StepName)
	if err != nil {
		return fmt.Errorf("inspect: migration_runs: %w", err)
	}
	var h string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&h, &n}, func() error { in.RunsByHolder[h] = n; in.RunsOfStep += n; return nil }); err != nil {
		return fmt.Errorf("inspect: migration_runs: %w", err)
	}
	if in.RunsOfStep != 1 {
		in.problem("the one-time step (%s) ran %d times, want once", migrations.StepName, in.RunsOfStep)
	}
	return nil
}
