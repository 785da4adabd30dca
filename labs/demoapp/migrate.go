package demoapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/bloglabs/posts/labs/demoapp/migrations"
)

// Migrate brings the database to the configured schema version with goose,
// using c.Lock, and reports what it did as events on log.
func Migrate(ctx context.Context, c Config, log *slog.Logger) (err error) {
	if err := c.validate(); err != nil {
		return err
	}
	db, err := openDB(c)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := newProvider(db, c, log)
	if err != nil {
		return err
	}
	log.Info("migrating", "event", EventMigrating, "target", c.TargetVersion(), "lock", string(c.Lock))
	results, err := p.Up(ctx)
	if err != nil {
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			results = partial.Applied
			err = fmt.Errorf("migration %d: %w", partial.Failed.Source.Version, partial.Err)
		}
		if len(results) > 0 {
			log.Info("migrated, then failed", "event", EventMigrated, "versions", versions(results))
		}
		return fmt.Errorf("migrate: %w", err)
	}
	if len(results) == 0 {
		log.Info("schema up to date", "event", EventUpToDate, "version", c.TargetVersion())
		return nil
	}
	log.Info("migrated", "event", EventMigrated, "versions", versions(results))
	return nil
}

func newProvider(db *sql.DB, c Config, log *slog.Logger) (*goose.Provider, error) {
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()),
		goose.WithGoMigrations(migrations.SeedAndBackfill(c.Backfill, func() {
			log.Info("one-time step started", "event", EventRan, "step", migrations.StepName, "seconds", c.Backfill.Seconds())
		})),
	}
	if !c.CreateIndex {
		opts = append(opts, goose.WithExcludeVersions([]int64{migrations.IndexVersion}))
	}
	if c.Lock == LockGoose {
		// goose's defaults on purpose: the lab compares the peer as people
		// run it (retry every 5 s, for up to 5 min).
		l, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("goose session locker: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(&observedLocker{SessionLocker: l, log: log}))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, opts...)
	if err != nil {
		return nil, fmt.Errorf("goose provider: %w", err)
	}
	return p, nil
}

func versions(rs []*goose.MigrationResult) string {
	var vs []string
	for _, r := range rs {
		vs = append(vs, strconv.FormatInt(r.Source.Version, 10))
	}
	return strings.Join(vs, ",")
}

// observedLocker reports how long goose's locker made this replica wait;
// goose itself says nothing while it polls.
type observedLocker struct {
	lock.SessionLocker
	log *slog.Logger
}

var _ lock.SessionLocker = (*observedLocker)(nil)

func (o *observedLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	t0 := time.Now()
	err := o.SessionLocker.SessionLock(ctx, conn)
	if waited := time.Since(t0); err == nil && waited > 50*time.Millisecond {
		o.log.Info("waited for goose's lock", "event", EventWaited, "seconds", round(waited))
	}
	return err
}

func round(d time.Duration) float64 { return float64(d.Round(time.Millisecond)) / float64(time.Second) }
