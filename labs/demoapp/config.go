package demoapp

import (
	"cmp"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/bloglabs/posts/labs/demoapp/migrations"
)

// Lock says how a migrating replica excludes the others.
type Lock string

// Locks.
const (
	// LockNone: no lock at all (the race).
	LockNone Lock = "none"
	// LockGoose: goose's session locker, lock.NewPostgresSessionLocker with
	// its defaults (pg_try_advisory_lock polled every 5 s).
	LockGoose Lock = "goose"
)

// Config configures the app. [ConfigFromEnv] reads it the way a container
// would be configured.
type Config struct {
	// DSN of the database (DATABASE_URL).
	DSN string
	// Pod names this replica in the database (application_name) and in
	// its events: RUNONCE_HOLDER (runonce hands its step the name it
	// records the run under, so both say the same), else POD_NAME, else
	// the hostname.
	Pod string
	// Port for HTTP (PORT). Defaults to 8080.
	Port int
	// Backfill is how long the slow step takes (DEMOAPP_BACKFILL).
	// Defaults to 1.5s.
	Backfill time.Duration
	// CreateIndex includes the CREATE INDEX CONCURRENTLY step
	// (DEMOAPP_CREATE_INDEX). Defaults to true.
	CreateIndex bool
	// Lock used by migrate and serve --migrate-on-boot (DEMOAPP_LOCK).
	// Defaults to LockNone.
	Lock Lock
	// FailStep makes the one-time step (version 3) fail before it changes
	// anything (DEMOAPP_FAIL_STEP); migrate then exits [ExitStepFailed].
	// Defaults to false.
	FailStep bool
}

// DefaultBackfill is the slow step's default length: long enough that
// replicas started together all see the schema not yet migrated.
const DefaultBackfill = 1500 * time.Millisecond

// ConfigFromEnv reads the configuration from the environment.
func ConfigFromEnv() (Config, error) {
	c := Config{
		DSN:         os.Getenv("DATABASE_URL"),
		Pod:         cmp.Or(os.Getenv("RUNONCE_HOLDER"), os.Getenv("POD_NAME")),
		Port:        8080,
		Backfill:    DefaultBackfill,
		CreateIndex: true,
		Lock:        LockNone,
	}
	if c.Pod == "" {
		c.Pod, _ = os.Hostname()
	}
	if v := os.Getenv("PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("PORT=%q: %w", v, err)
		}
		c.Port = p
	}
	if v := os.Getenv("DEMOAPP_BACKFILL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("DEMOAPP_BACKFILL=%q: %w", v, err)
		}
		c.Backfill = d
	}
	if v := os.Getenv("DEMOAPP_CREATE_INDEX"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("DEMOAPP_CREATE_INDEX=%q: %w", v, err)
		}
		c.CreateIndex = b
	}
	if v := os.Getenv("DEMOAPP_FAIL_STEP"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("DEMOAPP_FAIL_STEP=%q: %w", v, err)
		}
		c.FailStep = b
	}
	if v := os.Getenv("DEMOAPP_LOCK"); v != "" {
		c.Lock = Lock(v)
	}
	return c, c.validate()
}

func (c Config) validate() error {
	switch c.Lock {
	case LockNone, LockGoose:
	default:
		return fmt.Errorf("lock %q: want %s or %s", c.Lock, LockNone, LockGoose)
	}
	if c.Backfill < 0 {
		return fmt.Errorf("backfill %v: want >= 0", c.Backfill)
	}
	return nil
}

// TargetVersion is the schema version this configuration migrates to.
func (c Config) TargetVersion() int64 { return TargetVersion(c.CreateIndex) }

// TargetVersion is the schema version the app migrates to, with or without
// the CREATE INDEX CONCURRENTLY step.
func TargetVersion(createIndex bool) int64 {
	if createIndex {
		return migrations.Latest
	}
	return migrations.StepVersion
}
