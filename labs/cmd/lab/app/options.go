package app

import (
	"os"
	"slices"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/postgres/container"
	"github.com/bloglabs/posts/labs/postgres/dsn"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/kind"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
)

// Lab names one of the race labs.
type Lab string

// The labs.
const (
	// Race: N replicas migrate on boot with no lock.
	Race Lab = "race"
	// Fix: the same app with runonce as its initContainer.
	Fix Lab = "fix"
	// Compare: every strategy side by side, with and without CREATE INDEX
	// CONCURRENTLY.
	Compare Lab = "compare"
)

// Labs are the labs, in the order the usage lists them.
func Labs() []Lab { return []Lab{Race, Fix, Compare} }

// Environment variables that set options' defaults, so that a Mage target
// (which takes no flags) can run a lab elsewhere:
// LABS_RUNTIME=docker go tool mage lab:fix.
const (
	EnvRuntime  = "LABS_RUNTIME"
	EnvPostgres = "LABS_POSTGRES"
	EnvCluster  = "LABS_KIND_CLUSTER"
)

// Options are a lab run's settings: the command line's flags, and what the
// magefile passes. Start from [DefaultOptions].
type Options struct {
	// Replicas per deployment.
	Replicas int
	// Backfill is the slow step's length; 0 is the engine's default.
	Backfill      time.Duration
	NoCreateIndex bool
	// Timeout ends a deployment that has not settled; HangAfter calls a
	// waiting CREATE INDEX CONCURRENTLY a hang.
	Timeout, HangAfter time.Duration
	// JSONFile, when set, receives the result as JSON ("-": the report's
	// stream).
	JSONFile string
	// SVGFile, when set, receives the result as a chart: the per-replica
	// timeline (race, fix) or the strategies' bars (compare).
	SVGFile string
	// Runtime is where replicas run: process, docker, kind or kubernetes.
	Runtime string
	// Postgres is the provider: embedded, testcontainers or dsn.
	Postgres string
	// PostgresImage is testcontainers' image ("" for its default).
	PostgresImage string
	// DSN is the dsn provider's server.
	DSN string
	// Image, for docker and kind, is run instead of building the lab image.
	Image string
	// Cluster is kind's cluster; Keep keeps one the lab created.
	Cluster string
	Keep    bool
	// Kubeconfig and Context name the kubernetes runtime's cluster ("": as
	// kubectl finds them); PodPostgres is HOST:PORT at which its pods reach
	// the lab's Postgres ("": the address the lab dials).
	Kubeconfig, Context, PodPostgres string
	// Color is auto, always or never; auto colours a terminal unless
	// $NO_COLOR is set.
	Color string
	// Width wraps the report; 0 is the terminal's width, else $COLUMNS,
	// else no wrapping.
	Width int
	// Logs, when set, receives every replica's output.
	Logs string
	// Restarts is how crashing replicas are restarted.
	Restarts runtimes.RestartPolicy
	// BinDir is where the process runtime's programs are built ("" for the
	// user cache folder).
	BinDir string
}

// DefaultOptions are the flags' defaults: 5 replicas on the process runtime
// against embedded PostgreSQL, unless $LABS_RUNTIME, $LABS_POSTGRES,
// $LABS_KIND_CLUSTER, $LABS_POSTGRES_IMAGE or $LABS_POSTGRES_DSN say
// otherwise.
func DefaultOptions() Options {
	return Options{
		Replicas:      5,
		Timeout:       60 * time.Second,
		HangAfter:     5 * time.Second,
		Runtime:       envOr(EnvRuntime, "process"),
		Postgres:      envOr(EnvPostgres, "embedded"),
		PostgresImage: os.Getenv(container.EnvImage),
		DSN:           os.Getenv(dsn.Env),
		PodPostgres:   os.Getenv(kubernetes.EnvPodPostgres),
		Cluster:       envOr(EnvCluster, kind.DefaultCluster),
		Color:         "auto",
		Restarts:      runtimes.RestartPolicy{MaxRestarts: 5},
	}
}

// validate checks o as a command line would be checked: its errors are
// usage errors.
func (o Options) validate() error {
	switch {
	case o.Replicas < 1:
		return cli.Usagef("--replicas %d: want at least 1", o.Replicas)
	case !slices.Contains([]string{"process", "docker", "kind", "kubernetes"}, o.Runtime):
		return cli.Usagef("--runtime %q: want process, docker, kind or kubernetes", o.Runtime)
	case o.Postgres != "embedded" && o.Postgres != "testcontainers" && o.Postgres != "dsn":
		return cli.Usagef("--postgres %q: want embedded, testcontainers or dsn", o.Postgres)
	case o.Postgres == "dsn" && o.DSN == "":
		return cli.Usagef("--postgres dsn: %v", dsn.ErrNoDSN)
	case o.Color != "auto" && o.Color != "always" && o.Color != "never":
		return cli.Usagef("--color %q: want auto, always or never", o.Color)
	case o.Width < 0:
		return cli.Usagef("--width %d: want 0 (the terminal's) or more", o.Width)
	case o.Restarts.MaxRestarts < 0:
		return cli.Usagef("--max-restarts %d: want 0 (none) or more", o.Restarts.MaxRestarts)
	}
	return nil
}
