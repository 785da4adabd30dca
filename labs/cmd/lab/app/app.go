package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/internal/binaries"
	"github.com/bloglabs/posts/labs/postgres/container"
	"github.com/bloglabs/posts/labs/postgres/dsn"
	"github.com/bloglabs/posts/labs/postgres/embedded"
	"github.com/bloglabs/posts/labs/report"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/docker"
	"github.com/bloglabs/posts/labs/runtimes/kind"
	"github.com/bloglabs/posts/labs/runtimes/process"
)

// The seams' implementations, checked where they are wired together.
var (
	_ engine.Runtime  = (*process.Runtime)(nil)
	_ engine.Runtime  = (*docker.Runtime)(nil)
	_ engine.Runtime  = (*kind.Runtime)(nil)
	_ engine.Postgres = (*embedded.Server)(nil)
	_ engine.Postgres = (*container.Server)(nil)
	_ engine.Postgres = (*dsn.Server)(nil)
	_ provider        = (*embedded.Server)(nil)
	_ provider        = (*container.Server)(nil)
	_ provider        = (*dsn.Server)(nil)
)

// provider is a Postgres provider as the CLI uses it: the lab's seam, the
// address runtimes route replicas to, and an end.
type provider interface {
	engine.Postgres
	Backend() runtimes.Backend
	Stop() error
}

// containerRuntime is a runtime whose replicas run in containers (docker,
// kind): prepared before Postgres starts, so that a Postgres container can
// start on its network, told about Postgres after, and closed at the end.
type containerRuntime interface {
	engine.Runtime
	Prepare(ctx context.Context) error
	Network() string
	AddBackends(b ...runtimes.Backend)
	Close() error
}

var (
	_ containerRuntime = (*docker.Runtime)(nil)
	_ containerRuntime = (*kind.Runtime)(nil)
)

// Environment variables that set flags' defaults, so that a Mage target
// (which takes no flags) can run a lab elsewhere:
// LABS_RUNTIME=docker go tool mage lab:fix.
const (
	EnvRuntime  = "LABS_RUNTIME"
	EnvPostgres = "LABS_POSTGRES"
	EnvCluster  = "LABS_KIND_CLUSTER"
)

// ErrUsage is returned by [Run] for a bad command line.
var ErrUsage = errors.New("usage")

const usage = `usage: lab race|fix|compare [flags]
       lab cluster up|down [--cluster NAME]

  race      N replicas migrate on boot with no lock: the race, from the database's side
  fix       the same app with runonce --version V -- demoapp migrate as initContainer
  compare   no lock, the post's LOCK TABLE, goose's session locker and runonce side by side,
            with and without CREATE INDEX CONCURRENTLY
  cluster   create (up) or delete (down) the kind cluster the labs use with --runtime kind

runtimes:  process (default: local processes), docker (containers of the lab image),
           kind (a Deployment on a kind cluster)
postgres:  embedded (default: local binaries), testcontainers (a container; image from
           --postgres-image, $LABS_POSTGRES_IMAGE, postgres:17, else the offline image),
           dsn (your server: --dsn or $LABS_POSTGRES_DSN)
$LABS_RUNTIME and $LABS_POSTGRES set the defaults of --runtime and --postgres.

flags:
`

// options are the command line's flags.
type options struct {
	replicas      int
	backfill      time.Duration
	noCreateIndex bool
	timeout       time.Duration
	hangAfter     time.Duration
	jsonFile      string
	runtime       string
	postgres      string
	color         string
	logs          string
	maxRestarts   int
	binDir        string
	postgresImage string
	dsn           string
	image         string
	cluster       string
	keep          bool
}

// Run runs one lab: args are the lab's name then its flags. The report goes
// to stdout, progress to stderr.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.replicas, "replicas", 5, "replicas per deployment")
	fs.DurationVar(&o.backfill, "backfill", 0, "length of the slow one-time step that widens the race window (default 1.5s)")
	fs.BoolVar(&o.noCreateIndex, "no-create-index", false, "race, fix: leave out the CREATE INDEX CONCURRENTLY step")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "end a deployment that has not settled after this long")
	fs.DurationVar(&o.hangAfter, "hang-after", 5*time.Second, "call a CREATE INDEX CONCURRENTLY waiting this long on other transactions a hang")
	fs.StringVar(&o.jsonFile, "json", "", "also write the result as JSON to this file (- for stdout)")
	fs.StringVar(&o.runtime, "runtime", envOr(EnvRuntime, "process"), "where replicas run: process, docker or kind")
	fs.StringVar(&o.postgres, "postgres", envOr(EnvPostgres, "embedded"), "the Postgres provider: embedded, testcontainers or dsn")
	fs.StringVar(&o.postgresImage, "postgres-image", os.Getenv(container.EnvImage), "testcontainers: the Postgres image (default: "+container.DefaultImage+", else the offline image)")
	// Not defaulted from $LABS_POSTGRES_DSN here: the usage would print it,
	// password and all.
	fs.StringVar(&o.dsn, "dsn", "", "dsn: the server's URL, postgres://USER:PASSWORD@HOST:PORT/DATABASE (a role with CREATEDB; default $"+dsn.Env+")")
	fs.StringVar(&o.image, "image", "", "docker, kind: run this image instead of building the lab image (see labs/appimage/Dockerfile)")
	fs.StringVar(&o.cluster, "cluster", envOr(EnvCluster, kind.DefaultCluster), "kind: the cluster's name (created unless it exists)")
	fs.BoolVar(&o.keep, "keep", false, "kind: keep a cluster the lab created, for the next run")
	fs.StringVar(&o.color, "color", "auto", "colour the report: auto (when stdout is a terminal), always, never")
	fs.StringVar(&o.logs, "logs", "", "write every replica's output to this folder")
	fs.IntVar(&o.maxRestarts, "max-restarts", 5, "restarts of a crashing replica before it gives up")
	fs.StringVar(&o.binDir, "bin-dir", "", "where to build demoapp and runonce (default: the user cache folder)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if len(args) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: name a lab: race, fix or compare", ErrUsage)
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		fs.Usage()
		return nil
	}
	if name == "cluster" {
		return runCluster(ctx, args[1:], stdout, stderr)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", ErrUsage, fs.Args())
	}
	if o.dsn == "" {
		o.dsn = os.Getenv(dsn.Env)
	}
	switch {
	case name != "race" && name != "fix" && name != "compare":
		return fmt.Errorf("%w: unknown lab %q: want race, fix or compare", ErrUsage, name)
	case o.replicas < 1:
		return fmt.Errorf("%w: --replicas %d: want at least 1", ErrUsage, o.replicas)
	case o.runtime != "process" && o.runtime != "docker" && o.runtime != "kind":
		return fmt.Errorf("%w: --runtime %q: want process, docker or kind", ErrUsage, o.runtime)
	case o.postgres != "embedded" && o.postgres != "testcontainers" && o.postgres != "dsn":
		return fmt.Errorf("%w: --postgres %q: want embedded, testcontainers or dsn", ErrUsage, o.postgres)
	case o.postgres == "dsn" && o.dsn == "":
		return fmt.Errorf("%w: --postgres dsn: %v", ErrUsage, dsn.ErrNoDSN)
	case o.color != "auto" && o.color != "always" && o.color != "never":
		return fmt.Errorf("%w: --color %q: want auto, always or never", ErrUsage, o.color)
	}

	quietTestcontainers()
	// kind's host check comes before anything is built or started: on a
	// machine that cannot run kind, say so in a second, not after a build.
	if o.runtime == "kind" {
		if err := kind.CheckHost(ctx); err != nil {
			return err
		}
	}
	maxRestarts := o.maxRestarts
	if maxRestarts == 0 {
		maxRestarts = -1 // the runtimes' Options read 0 as "the default"
	}
	// Build what the replicas run.
	var (
		binDir, image  string
		runonceMissing error
		err            error
	)
	if o.runtime == "process" {
		binDir, runonceMissing, err = build(ctx, o.binDir, name != "race", stderr)
	} else {
		image, runonceMissing, err = buildImage(ctx, o.image, stderr)
	}
	if err != nil {
		return err
	}
	var (
		rt  engine.Runtime
		crt containerRuntime
	)
	switch o.runtime {
	case "process":
		rt = process.New(process.Options{BinDir: binDir, MaxRestarts: maxRestarts, LogDir: o.logs})
	case "docker":
		crt = docker.New(docker.Options{Image: image, MaxRestarts: maxRestarts, LogDir: o.logs})
	case "kind":
		crt = kind.New(kind.Options{Cluster: kind.RaceCluster(o.cluster), Keep: o.keep, Image: image,
			MaxRestarts: maxRestarts, Progress: stderr, LogDir: o.logs})
	}
	network := ""
	if crt != nil {
		rt = crt
		defer func() {
			if err := crt.Close(); err != nil {
				fmt.Fprintln(stderr, err)
			}
		}()
		// The network first, so that a Postgres container starts on it.
		if err := crt.Prepare(ctx); err != nil {
			return err
		}
		network = crt.Network()
	}
	pg, err := startPostgres(ctx, o, network, stderr)
	if err != nil {
		return err
	}
	defer pg.Stop()
	if crt != nil {
		crt.AddBackends(pg.Backend())
	}
	cfg := engine.Config{
		Runtime: rt, Postgres: pg, Replicas: o.replicas, Backfill: o.backfill,
		NoCreateIndex: o.noCreateIndex, Timeout: o.timeout, HangAfter: o.hangAfter,
		RunonceMissing: runonceMissing, Progress: stderr,
	}
	text := report.Text{Color: o.color == "always" || (o.color == "auto" && isTerminal(stdout))}
	var (
		result any
		labErr error
	)
	switch name {
	case "race", "fix":
		var r *report.Result
		if name == "race" {
			r, labErr = engine.Race(ctx, cfg)
		} else {
			r, labErr = engine.Fix(ctx, cfg)
		}
		if r != nil {
			fmt.Fprintln(stdout)
			if err := text.WriteResult(stdout, r); err != nil {
				return err
			}
			result = r
		}
	case "compare":
		var c *report.Comparison
		c, labErr = engine.Compare(ctx, cfg)
		if c != nil {
			fmt.Fprintln(stdout)
			if err := text.WriteComparison(stdout, c); err != nil {
				return err
			}
			result = c
		}
	}
	if result != nil && o.jsonFile != "" {
		if err := writeJSON(o.jsonFile, stdout, result); err != nil {
			return err
		}
	}
	return labErr
}

// build builds demoapp, and runonce when the lab uses it. A runonce that
// cannot be built is not fatal here: lab:compare leaves it out and lab:fix
// says why it cannot run.
func build(ctx context.Context, dir string, wantRunonce bool, progress io.Writer) (string, error, error) {
	root, err := binaries.ModuleRoot()
	if err != nil {
		return "", nil, err
	}
	if dir == "" {
		if dir, err = binaries.DefaultDir(); err != nil {
			return "", nil, err
		}
	}
	progs := []binaries.Program{binaries.Demoapp}
	var runonceMissing error
	if wantRunonce {
		if binaries.HasSource(root, binaries.Runonce) {
			progs = append(progs, binaries.Runonce)
		} else {
			runonceMissing = fmt.Errorf("runonce is not in this checkout yet (no ./%s)", binaries.Runonce.Dir)
		}
	}
	names := make([]string, len(progs))
	for i, p := range progs {
		names[i] = p.Name
	}
	t0 := time.Now()
	fmt.Fprintf(progress, "building %s with go build into %s... ", strings.Join(names, " and "), dir)
	if err := binaries.Build(ctx, root, dir, progs...); err != nil {
		if len(progs) == 1 {
			fmt.Fprintln(progress)
			return "", nil, err
		}
		// Try the demo app alone, so that one broken program does not stop
		// every lab.
		if err2 := binaries.Build(ctx, root, dir, binaries.Demoapp); err2 != nil {
			fmt.Fprintln(progress)
			return "", nil, err2
		}
		runonceMissing = fmt.Errorf("runonce does not build: %w", err)
	}
	fmt.Fprintf(progress, "%.1fs\n", time.Since(t0).Seconds())
	if runonceMissing != nil {
		fmt.Fprintf(progress, "note: %v\n", runonceMissing)
	}
	return dir, runonceMissing, nil
}

// buildImage builds the lab image (static binaries FROM scratch, loaded into
// Docker), unless the user named one.
func buildImage(ctx context.Context, image string, progress io.Writer) (string, error, error) {
	if image != "" {
		return image, nil, nil
	}
	img, err := appimage.Build(ctx, appimage.Options{Progress: progress})
	if err != nil {
		return "", nil, err
	}
	if img.RunonceMissing != nil {
		fmt.Fprintf(progress, "note: %v\n", img.RunonceMissing)
	}
	return img.Tag, img.RunonceMissing, nil
}

// startPostgres starts (or opens) the chosen provider's server.
func startPostgres(ctx context.Context, o options, network string, progress io.Writer) (provider, error) {
	t0 := time.Now()
	var (
		pg  provider
		err error
	)
	switch o.postgres {
	case "embedded":
		fmt.Fprintf(progress, "starting embedded PostgreSQL... ")
		pg, err = nilIfErr(embedded.Start(ctx, embedded.Options{}))
	case "testcontainers":
		fmt.Fprintf(progress, "starting PostgreSQL with testcontainers...\n")
		pg, err = nilIfErr(container.Start(ctx, container.Options{Image: o.postgresImage, Network: network, Progress: progress}))
	case "dsn":
		fmt.Fprintf(progress, "connecting to your PostgreSQL... ")
		pg, err = nilIfErr(dsn.Open(ctx, o.dsn))
	}
	if err != nil {
		fmt.Fprintln(progress)
		return nil, err
	}
	fmt.Fprintf(progress, "%s, %.1fs\n", pg.Describe(), time.Since(t0).Seconds())
	return pg, nil
}

// nilIfErr keeps a typed nil pointer out of the provider interface.
func nilIfErr[T provider](p T, err error) (provider, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}

const clusterUsage = `usage: lab cluster up|down [--cluster NAME]

  up     create the kind cluster the labs use (after checking that kind can run here);
         an existing cluster of that name is kept as it is
  down   delete it

flags:
`

// runCluster creates or deletes the labs' kind cluster: what the magefile's
// cluster:up and cluster:down call.
func runCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lab cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("cluster", envOr(EnvCluster, kind.DefaultCluster), "the cluster's name")
	shape := fs.String("shape", "race", "race (one node) or preemptible (a worker, and one labelled and tainted like a GKE preemptible node)")
	fs.Usage = func() {
		fmt.Fprint(stderr, clusterUsage)
		fs.PrintDefaults()
	}
	if len(args) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: cluster up or cluster down", ErrUsage)
	}
	verb := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	quietTestcontainers()
	switch verb {
	case "up":
		var c kind.Cluster
		switch *shape {
		case "race":
			c = kind.RaceCluster(*name)
		case "preemptible":
			c = kind.PreemptibleCluster(*name)
		default:
			return fmt.Errorf("%w: --shape %q: want race or preemptible", ErrUsage, *shape)
		}
		created, err := kind.Up(ctx, c, 3*time.Minute, stderr)
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintf(stdout, "kind cluster %s is up; the labs use it with --runtime kind --cluster %s and keep it; delete it with: go tool mage cluster:down\n", *name, *name)
		}
		return nil
	case "down":
		if err := kind.Down(ctx, *name, stderr); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "kind cluster %s is gone\n", *name)
		return nil
	default:
		fs.Usage()
		return fmt.Errorf("%w: cluster %q: want up or down", ErrUsage, verb)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

var quietOnce sync.Once

// quietTestcontainers keeps testcontainers' own log lines (a banner per
// connection, one per container step) out of the lab's output: the lab
// prints its own progress.
func quietTestcontainers() {
	quietOnce.Do(func() { tclog.SetDefault(tclog.NewNoopLogger()) })
}

func writeJSON(file string, stdout io.Writer, v any) error {
	if file == "-" {
		return report.WriteJSON(stdout, v)
	}
	if dir := filepath.Dir(file); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("json: %w", err)
		}
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	if err := report.WriteJSON(f, v); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("json: %w", err)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// ExitCode maps [Run]'s error to an exit status: 0 shown, 1 not shown
// ([engine.ErrNotShown]), 2 usage, 3 could not run.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, engine.ErrNotShown):
		return 1
	case errors.Is(err, ErrUsage):
		return 2
	default:
		return 3
	}
}
