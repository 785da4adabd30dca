package engine

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/bloglabs/posts/labs/demoapp"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/spec"
)

// ErrNotShown is returned (wrapped, with the result) by Race, Fix and Compare
// when the lab did not show what it exists to show; its message says what
// happened instead.
var ErrNotShown = errors.New("the lab did not show what it exists to show")

// Runtime runs every replica of a Deployment, released together, until ctx
// is done, then stops them and returns. It reports what happens through sink,
// one call at a time. labs/runtimes/process, docker and kind implement it.
// A runtime may name each replica's pod itself (Event.Pod): the lab then
// reports and matches the database's records by that name.
type Runtime interface {
	Name() string
	Run(ctx context.Context, d spec.Deployment, sink func(runtimes.Event)) error
}

// Postgres is a running server a lab creates its databases on.
// labs/postgres/embedded, container and dsn implement it.
type Postgres interface {
	// Describe names the server for a report ("embedded PostgreSQL 15.14").
	Describe() string
	// CreateDatabase creates a database and returns its DSN.
	CreateDatabase(ctx context.Context, name string) (dsn string, err error)
	// AdminDSN connects to another database of the server, from which the
	// lab watches pg_stat_activity without being counted or waited for.
	AdminDSN() string
}

// Config configures a lab. Runtime and Postgres are required.
type Config struct {
	Runtime  Runtime
	Postgres Postgres
	// Replicas per deployment. Defaults to 5.
	Replicas int
	// Backfill is the slow step's length, which widens the race window.
	// Defaults to 1.5s. Below 1.2s the race may not show: replicas that
	// collide creating goose's version table retry after 1 s.
	Backfill time.Duration
	// NoCreateIndex leaves out the CREATE INDEX CONCURRENTLY step in Race
	// and Fix (Compare runs both ways). Defaults to false.
	NoCreateIndex bool
	// Timeout ends a deployment that has not settled (every replica ready
	// or given up). Defaults to 60s.
	Timeout time.Duration
	// HangAfter is how long a CREATE INDEX CONCURRENTLY may wait for
	// another transaction before the lab calls it a hang. Defaults to 5s;
	// Postgres resolves real deadlocks within deadlock_timeout (1s).
	HangAfter time.Duration
	// RunonceMissing, when set, says why the runtime has no runonce
	// image: Fix fails with it, Compare leaves runonce out.
	RunonceMissing error
	// Progress receives a line per long step. Defaults to discarding.
	Progress io.Writer
}

func (c Config) withDefaults(backfill time.Duration) Config {
	if c.Replicas <= 0 {
		c.Replicas = 5
	}
	if c.Backfill <= 0 {
		c.Backfill = backfill
	}
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.HangAfter <= 0 {
		c.HangAfter = 5 * time.Second
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// DefaultBackfill is the slow step's length in Race and Fix.
const DefaultBackfill = demoapp.DefaultBackfill

// DefaultCompareBackfill is the slow step's length in Compare: the same
// window as Race, so that its no-lock rows show the same race.
const DefaultCompareBackfill = DefaultBackfill

// minWindow is the shortest slow step that reliably shows the race: replicas
// that lose the race to create goose_db_version retry after goose's fixed
// 1 s, and must still find the step unfinished.
const minWindow = 1200 * time.Millisecond
