package app

import (
	"context"
	"errors"
	"flag"
	"os"
	"slices"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/postgres/container"
	"github.com/bloglabs/posts/labs/postgres/dsn"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
)

// Exit statuses besides cli's 0 (shown, or --help) and 64 (usage).
const (
	// ExitNotShown: the lab ran but did not show what it exists to show
	// ([engine.ErrNotShown]); the message says what happened instead.
	ExitNotShown = 1
	// ExitCannotRun: the lab could not run (no PostgreSQL binaries, a
	// build failure, no Docker engine, a host kind cannot run on, ...).
	ExitCannotRun = 3
)

// ExitCode maps [Run]'s error to the process's exit status: 0 the lab showed
// what it exists to show (or --help), [ExitNotShown], [cli.ExitUsage] for a
// bad command line, [ExitCannotRun] for anything else.
func ExitCode(err error) int {
	if errors.Is(err, engine.ErrNotShown) {
		return ExitNotShown
	}
	return cli.ExitCode(err, ExitCannotRun)
}

const usage = `usage: lab race|fix|compare [flags]
       lab cluster up|down [--cluster NAME] [--shape race|preemptible]

  race      N replicas migrate on boot with no lock: the race, from the database's side
  fix       the same app with runonce --version V -- demoapp migrate as initContainer
  compare   no lock, the post's LOCK TABLE, goose's session locker and runonce side by side,
            with and without CREATE INDEX CONCURRENTLY
  cluster   create (up) or delete (down) the kind cluster the labs use with --runtime kind

runtimes:  process (default: local processes; on Windows, inside WSL2),
           docker (containers of the lab image), kind (a Deployment on a kind cluster),
           kubernetes (a Deployment on your cluster: --kubeconfig, --context; pods reach
           Postgres at --pod-postgres HOST:PORT or $LABS_POD_POSTGRES)
postgres:  embedded (default: local binaries), testcontainers (a container; image from
           --postgres-image, $LABS_POSTGRES_IMAGE, postgres:17, else the offline image),
           dsn (your server: --dsn or $LABS_POSTGRES_DSN)
$LABS_RUNTIME and $LABS_POSTGRES set the defaults of --runtime and --postgres.
Colour follows --color, $NO_COLOR and whether stdout is a terminal; the report
fits --width, else the terminal's width, else $COLUMNS.

exit status: 0 the lab showed what it exists to show, 1 it did not, 3 it could
not run, 64 usage.`

// Run is the lab command: args are a lab's name and its flags, or cluster
// up|down. The report goes to streams.Out, progress to streams.Err.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	if len(args) == 0 {
		return cli.Usagef("name a lab: race, fix or compare")
	}
	name, rest := args[0], args[1:]
	switch {
	case name == "cluster":
		return runCluster(ctx, streams, rest)
	case name == "help" || name == "-h" || name == "--help":
		cli.PrintUsage(newFlagSet(&Options{}), streams.Out)
		return cli.ErrHelp
	case !slices.Contains(Labs(), Lab(name)):
		return cli.Usagef("unknown lab %q: want race, fix or compare", name)
	}
	o, err := parseFlags(rest, streams)
	if err != nil {
		return err
	}
	return RunLab(ctx, streams, Lab(name), o)
}

// parseFlags reads a lab's flags over [DefaultOptions].
func parseFlags(args []string, streams cli.Streams) (Options, error) {
	def := DefaultOptions()
	o := def
	fs := newFlagSet(&o)
	if err := cli.Parse(fs, args, streams); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, cli.Usagef("unexpected arguments %q", fs.Args())
	}
	if o.DSN == "" {
		o.DSN = def.DSN
	}
	if o.PodPostgres == "" {
		o.PodPostgres = def.PodPostgres
	}
	// --max-restarts 0 means none; the policy's zero MaxRestarts means
	// its default.
	o.Restarts.NoRestarts = o.Restarts.MaxRestarts == 0
	return o, nil
}

// newFlagSet binds the lab's flags to o, with o's values as the defaults.
func newFlagSet(o *Options) *flag.FlagSet {
	fs := cli.NewFlagSet("lab", usage)
	fs.IntVar(&o.Replicas, "replicas", o.Replicas, "replicas per deployment")
	fs.DurationVar(&o.Backfill, "backfill", o.Backfill, "length of the slow one-time step that widens the race window (default 1.5s)")
	fs.BoolVar(&o.NoCreateIndex, "no-create-index", o.NoCreateIndex, "race, fix: leave out the CREATE INDEX CONCURRENTLY step")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "end a deployment that has not settled after this long")
	fs.DurationVar(&o.HangAfter, "hang-after", o.HangAfter, "call a CREATE INDEX CONCURRENTLY waiting this long on other transactions a hang")
	fs.StringVar(&o.JSONFile, "json", o.JSONFile, "also write the result as JSON to this file (- for stdout)")
	fs.StringVar(&o.SVGFile, "svg", o.SVGFile, "also write the result as an SVG chart to this file: the per-replica timeline, or compare's bars")
	fs.StringVar(&o.Runtime, "runtime", o.Runtime, "where replicas run: process, docker, kind or kubernetes")
	fs.StringVar(&o.Postgres, "postgres", o.Postgres, "the Postgres provider: embedded, testcontainers or dsn")
	fs.StringVar(&o.PostgresImage, "postgres-image", o.PostgresImage, "testcontainers: the Postgres image (default: "+container.DefaultImage+", else the offline image)")
	// Not defaulted from $LABS_POSTGRES_DSN here: the usage would print it,
	// password and all.
	fs.StringVar(&o.DSN, "dsn", "", "dsn: the server's URL, postgres://USER:PASSWORD@HOST:PORT/DATABASE (a role with CREATEDB; default $"+dsn.Env+")")
	fs.StringVar(&o.Image, "image", o.Image, "docker, kind: run this image instead of building the lab image (see labs/appimage/Dockerfile)")
	fs.StringVar(&o.Cluster, "cluster", o.Cluster, "kind: the cluster's name (created unless it exists)")
	fs.BoolVar(&o.Keep, "keep", o.Keep, "kind: keep a cluster the lab created, for the next run")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubernetes: the kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	fs.StringVar(&o.Context, "context", o.Context, "kubernetes: the kubeconfig's context (default its current context)")
	// Not defaulted from $LABS_POD_POSTGRES here: it may be a URL with a
	// password, which the usage would print.
	fs.StringVar(&o.PodPostgres, "pod-postgres", "", "kubernetes: HOST:PORT at which pods reach the lab's Postgres (default $"+kubernetes.EnvPodPostgres+"; unset: the address the lab dials)")
	fs.StringVar(&o.Color, "color", o.Color, "colour the report: auto (when stdout is a terminal and $NO_COLOR is unset), always, never")
	fs.IntVar(&o.Width, "width", o.Width, "wrap the report at this many columns (0: the terminal's width, else $COLUMNS, else no wrapping)")
	fs.StringVar(&o.Logs, "logs", o.Logs, "write every replica's output to this folder")
	fs.IntVar(&o.Restarts.MaxRestarts, "max-restarts", 5, "restarts of a crashing replica before it gives up (0: none)")
	fs.StringVar(&o.BinDir, "bin-dir", o.BinDir, "process: where to build demoapp and runonce (default: the user cache folder)")
	return fs
}

// envOr is the variable's value, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
