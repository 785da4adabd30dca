package engine

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bloglabs/posts/labs/demoapp"
)

// Config configures a lab. Runtime and Postgres are required.
type Config struct {
	Runtime  Runtime
	Postgres Postgres
	// Replicas per deployment. Defaults to [DefaultReplicas].
	Replicas int
	// Backfill is the slow step's length, which widens the race window.
	// Defaults to [DefaultBackfill]. Below 1.2s the race may not show:
	// replicas that collide creating goose's version table retry after 1 s.
	Backfill time.Duration
	// NoCreateIndex leaves out the CREATE INDEX CONCURRENTLY step in Race
	// and Fix (Compare runs both ways). Defaults to false.
	NoCreateIndex bool
	// Timeout ends a deployment that has not settled (every replica ready
	// or given up). Defaults to [DefaultTimeout].
	Timeout time.Duration
	// HangAfter is how long a CREATE INDEX CONCURRENTLY may wait for
	// another transaction before the lab calls it a hang. Defaults to
	// [DefaultHangAfter];
	// Postgres resolves real deadlocks within deadlock_timeout (1s).
	HangAfter time.Duration
	// Progress receives a line per long step. Defaults to discarding.
	Progress io.Writer
	// Observe, when set, is told what the lab does as it happens: each
	// deployment's start, the release, every replica event as the result's
	// timeline will have it, each deployment's result (labs/live draws them
	// in a browser). Calls come one at a time, some while the lab holds a
	// lock: Observe must return at once and never wait.
	Observe func(Update)
}

// The defaults of [Config], set here once: the lab CLI shows them as its
// flags' defaults, and labs/labkit leaves zero fields to them.
const (
	DefaultReplicas = 5
	// DefaultBackfill is the slow step's length in every lab: Compare uses
	// the same window as Race, so that its no-lock rows show the same race.
	DefaultBackfill  = demoapp.DefaultBackfill
	DefaultTimeout   = 60 * time.Second
	DefaultHangAfter = 5 * time.Second
)

// minWindow is the shortest slow step that reliably shows the race: replicas
// that lose the race to create goose_db_version retry after goose's fixed
// 1 s, and must still find the step unfinished.
const minWindow = 1200 * time.Millisecond

// withDefaults fills in the zero fields, and checks the required ones.
func (c Config) withDefaults() (Config, error) {
	if c.Runtime == nil || c.Postgres == nil {
		return c, errors.New("lab: Config needs a Runtime and a Postgres")
	}
	if c.Replicas <= 0 {
		c.Replicas = DefaultReplicas
	}
	if c.Backfill <= 0 {
		c.Backfill = DefaultBackfill
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.HangAfter <= 0 {
		c.HangAfter = DefaultHangAfter
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c, nil
}

// widenedNote is the line every lab's report starts with: the race window
// is widened on purpose.
func widenedNote(backfill time.Duration) string {
	if backfill < minWindow {
		return fmt.Sprintf("the one-time step (seed the plans, backfill accounts) takes %s here (--backfill): too short to widen the race window on every run (below %s, replicas that collide creating goose_db_version retry 1 s later and may find the step done)", backfill, minWindow)
	}
	return fmt.Sprintf("the one-time step (seed the plans, backfill accounts) is slowed to %s on purpose: it widens the race window so the race shows on every run, not one run in ten", backfill)
}
