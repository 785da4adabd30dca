package demoapp

import (
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// connConfig parses the DSN and names the connection after the pod, so that
// pg_stat_activity and migration_runs say which replica did what.
func connConfig(c Config) (*pgx.ConnConfig, error) {
	if c.DSN == "" {
		return nil, fmt.Errorf("no database: set DATABASE_URL")
	}
	cc, err := pgx.ParseConfig(c.DSN)
	if err != nil {
		// pgx's parse errors can quote the DSN; say only what is wrong.
		return nil, fmt.Errorf("DATABASE_URL is not a valid PostgreSQL connection string")
	}
	if c.Pod != "" {
		cc.RuntimeParams["application_name"] = c.Pod
	}
	return cc, nil
}

// openDB opens a database/sql pool (goose's interface) over pgx.
func openDB(c Config) (*sql.DB, error) {
	cc, err := connConfig(c)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*cc), nil
}
