package labkit

import (
	"io"
	"os"
	"slices"
	"time"

	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/postgres/dsn"
	"github.com/bloglabs/posts/labs/runtimes"
)

// Environment variables that set options' defaults, so that a Mage target
// (which takes no flags) can run a lab elsewhere:
// LABS_RUNTIME=docker go tool mage lab:fix.
const (
	EnvRuntime  = "LABS_RUNTIME"
	EnvPostgres = "LABS_POSTGRES"
)

// Options are a lab run's settings. The zero value runs the lab with the
// engine's defaults on the process runtime against embedded PostgreSQL.
type Options struct {
	// Replicas per deployment. Defaults to the engine's (5).
	Replicas int
	// Backfill is the slow step's length. Defaults to the engine's.
	Backfill      time.Duration
	NoCreateIndex bool
	// Timeout ends a deployment that has not settled; HangAfter calls a
	// waiting CREATE INDEX CONCURRENTLY a hang. Default to the engine's.
	Timeout, HangAfter time.Duration
	// Runtime is where replicas run. Defaults to $LABS_RUNTIME, else
	// process.
	Runtime RuntimeName
	// Postgres is the provider. Defaults to $LABS_POSTGRES, else embedded.
	Postgres ProviderName
	// PostgresImage is the testcontainers provider's image. Defaults to
	// its own choice ($LABS_POSTGRES_IMAGE, postgres:17, the offline image).
	PostgresImage string
	// DSN is the dsn provider's server. Defaults to $LABS_POSTGRES_DSN.
	DSN string
	// Image, for the container runtimes, is run instead of building the
	// lab image.
	Image string
	// Cluster is kind's cluster (defaults to $LABS_KIND_CLUSTER, else
	// kind's default); Keep keeps one the lab created.
	Cluster string
	Keep    bool
	// Kubeconfig and Context name the kubernetes runtime's cluster ("": as
	// kubectl finds them); PodPostgres is HOST:PORT at which its pods reach
	// the lab's Postgres (defaults to $LABS_POD_POSTGRES, else the address
	// the lab dials).
	Kubeconfig, Context, PodPostgres string
	// Logs, when set, receives every replica's output.
	Logs string
	// Restarts is how crashing replicas are restarted, on every runtime.
	// Its zero value is the runtimes' default policy.
	Restarts runtimes.RestartPolicy
	// BinDir is where the process runtime's programs are built. Defaults
	// to the user cache folder.
	BinDir string
	// Progress receives a line per long step. Defaults to discarding.
	Progress io.Writer
	// Observe, when set, is told what the lab does as it happens (the
	// engine's [engine.Config.Observe]; labs/live's Server.Observe).
	Observe func(engine.Update)
}

// withDefaults fills in the zero fields this package defaults; the rest
// are left to the engine, the runtimes and the providers, each of which
// defaults its own.
func (o Options) withDefaults() Options {
	if o.Runtime == "" {
		o.Runtime = RuntimeName(envOr(EnvRuntime, string(Process)))
	}
	if o.Postgres == "" {
		o.Postgres = ProviderName(envOr(EnvPostgres, string(Embedded)))
	}
	if o.DSN == "" {
		o.DSN = os.Getenv(dsn.Env)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// Check says whether t can run lab with o (o's defaults filled in): a lab,
// a runtime and a provider it has rows for, and what they need. Its errors
// wrap [ErrOptions]; a name the table lacks is a [*NotInTableError].
func (t Table) Check(lab Lab, o Options) error {
	o = o.withDefaults()
	if !lab.Known() {
		return optionErrorf("lab %q: want race, fix or compare", lab)
	}
	fullRuntimes, fullProviders := FullOnly()
	if _, ok := t.Runtime(o.Runtime); !ok {
		return &NotInTableError{What: "runtime", Name: string(o.Runtime), Have: t.RuntimeNames(),
			InFull: slices.Contains(fullRuntimes, o.Runtime)}
	}
	p, ok := t.Provider(o.Postgres)
	if !ok {
		return &NotInTableError{What: "postgres", Name: string(o.Postgres), Have: t.ProviderNames(),
			InFull: slices.Contains(fullProviders, o.Postgres)}
	}
	switch {
	case o.Replicas < 0:
		return optionErrorf("replicas %d: want at least 1", o.Replicas)
	case o.Restarts.MaxRestarts < 0:
		return optionErrorf("max restarts %d: want 0 or more", o.Restarts.MaxRestarts)
	}
	if p.Validate != nil {
		return p.Validate(o)
	}
	return nil
}

// envOr is the variable's value, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
