package app

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/labkit"
	"github.com/bloglabs/posts/labs/postgres/dsn"
	"github.com/bloglabs/posts/labs/runtimes"
)

// flags are a lab's command line: the library's options, and how the
// report is shown.
type flags struct {
	labkit.Options
	// JSONFile, when set, receives the result as JSON ("-": stdout).
	JSONFile string
	// SVGFile, when set, receives the result as a chart.
	SVGFile string
	// Color is auto, always or never.
	Color string
	// Width wraps the report; 0 is the terminal's width, else $COLUMNS.
	Width int
	// Live, when set, is the address of the live view (see [EnvLive]).
	Live string
}

const usageHead = `usage: lab race|fix|compare [flags]
       lab cluster up|down [--cluster NAME] [--shape race|preemptible]
       lab image
       lab view [--addr HOST:PORT] FILE

  race      N replicas migrate on boot with no lock: the race, from the database's side
  fix       the same app with runonce --version V -- demoapp migrate as initContainer
  compare   no lock, the post's LOCK TABLE, goose's session locker and runonce side by side,
            with and without CREATE INDEX CONCURRENTLY
  cluster   create (up) or delete (down) the kind cluster the labs use with --runtime kind
  image     build the lab image the container runtimes run
  view      replay a lab's --json output in the browser (recorded runs: docs/runs)
`

const usageTail = `$LABS_RUNTIME and $LABS_POSTGRES set the defaults of --runtime and --postgres.
Colour follows --color, $NO_COLOR and whether stdout is a terminal; the report
fits --width, else the terminal's width, else $COLUMNS.

exit status: 0 the lab showed what it exists to show, 1 it did not, 3 it could
not run, 64 usage.`

// usage lists the table's rows.
func (c Command) usage() string {
	var b strings.Builder
	b.WriteString(usageHead + "\nruntimes:\n")
	for _, r := range c.Table.Runtimes {
		fmt.Fprintf(&b, "  %-15s %s\n", r.Name, r.Help)
	}
	b.WriteString("postgres:\n")
	for _, p := range c.Table.Providers {
		fmt.Fprintf(&b, "  %-15s %s\n", p.Name, p.Help)
	}
	if c.Full != nil {
		rs, ps := labkit.FullOnly()
		fmt.Fprintf(&b, "  (%v and %v need Docker or a cluster: the first run that names one builds them)\n", rs, ps)
	}
	return b.String() + usageTail
}

// parseFlags reads a lab's flags; what they leave unset is the library's
// to default.
func (c Command) parseFlags(args []string, streams cli.Streams) (flags, error) {
	f := flags{Color: "auto"}
	fs := c.newFlagSet(&f)
	if err := cli.Parse(fs, args, streams); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, cli.Usagef("unexpected arguments %q", fs.Args())
	case f.Replicas < 1:
		return f, cli.Usagef("--replicas %d: want at least 1", f.Replicas)
	case f.Color != "auto" && f.Color != "always" && f.Color != "never":
		return f, cli.Usagef("--color %q: want auto, always or never", f.Color)
	case f.Width < 0:
		return f, cli.Usagef("--width %d: want 0 (the terminal's) or more", f.Width)
	}
	return f, nil
}

// newFlagSet binds the lab's flags to f. Their defaults are the library's
// own, read from it, not restated.
func (c Command) newFlagSet(f *flags) *flag.FlagSet {
	fs := cli.NewFlagSet("lab", c.usage())
	fs.IntVar(&f.Replicas, "replicas", engine.DefaultReplicas, "replicas per deployment")
	fs.DurationVar(&f.Backfill, "backfill", engine.DefaultBackfill, "length of the slow one-time step that widens the race window")
	fs.BoolVar(&f.NoCreateIndex, "no-create-index", false, "race, fix: leave out the CREATE INDEX CONCURRENTLY step")
	fs.DurationVar(&f.Timeout, "timeout", engine.DefaultTimeout, "end a deployment that has not settled after this long")
	fs.DurationVar(&f.HangAfter, "hang-after", engine.DefaultHangAfter, "call a CREATE INDEX CONCURRENTLY waiting this long on other transactions a hang")
	fs.StringVar(&f.JSONFile, "json", "", "also write the result as JSON to this file (- for stdout)")
	fs.StringVar(&f.Live, "live", "", "show the run live in a browser, served on this address (127.0.0.1:0: any free port; the URL is printed; default $"+EnvLive+", where 1 means 127.0.0.1:0)")
	fs.StringVar(&f.SVGFile, "svg", "", "also write the result as an SVG chart to this file: the per-replica timeline, or compare's bars")
	fs.Func("runtime", "where replicas run (default $"+labkit.EnvRuntime+", else "+string(labkit.Process)+"): see runtimes above",
		func(s string) error { f.Runtime = labkit.RuntimeName(s); return nil })
	fs.Func("postgres", "the Postgres provider (default $"+labkit.EnvPostgres+", else "+string(labkit.Embedded)+"): see postgres above",
		func(s string) error { f.Postgres = labkit.ProviderName(s); return nil })
	fs.StringVar(&f.PostgresImage, "postgres-image", "", "testcontainers: the Postgres image")
	// Not defaulted from $LABS_POSTGRES_DSN here: the usage would print it,
	// password and all.
	fs.StringVar(&f.DSN, "dsn", "", "dsn: the server's URL, postgres://USER:PASSWORD@HOST:PORT/DATABASE (a role with CREATEDB; default $"+dsn.Env+")")
	fs.StringVar(&f.Image, "image", "", "docker, kind, kubernetes: run this image instead of building the lab image (see labs/appimage/Dockerfile)")
	fs.StringVar(&f.Cluster, "cluster", "", "kind: the cluster's name, created unless it exists (default $LABS_KIND_CLUSTER, else bloglabs)")
	fs.BoolVar(&f.Keep, "keep", false, "kind: keep a cluster the lab created, for the next run")
	fs.StringVar(&f.Kubeconfig, "kubeconfig", "", "kubernetes: the kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	fs.StringVar(&f.Context, "context", "", "kubernetes: the kubeconfig's context (default its current context)")
	// Not defaulted from $LABS_POD_POSTGRES here: it may be a URL with a
	// password, which the usage would print.
	fs.StringVar(&f.PodPostgres, "pod-postgres", "", "kubernetes: HOST:PORT at which pods reach the lab's Postgres (default $LABS_POD_POSTGRES; unset: the address the lab dials)")
	fs.StringVar(&f.Color, "color", f.Color, "colour the report: auto (when stdout is a terminal and $NO_COLOR is unset), always, never")
	fs.IntVar(&f.Width, "width", 0, "wrap the report at this many columns (0: the terminal's width, else $COLUMNS, else no wrapping)")
	fs.StringVar(&f.Logs, "logs", "", "write every replica's output to this folder")
	fs.Var((*restartsFlag)(&f.Restarts), "max-restarts", fmt.Sprintf("restarts of a crashing replica before it gives up (0: none; default %d)",
		runtimes.RestartPolicy{}.WithDefaults().MaxRestarts))
	fs.StringVar(&f.BinDir, "bin-dir", "", "process: where to build demoapp and runonce (default: the user cache folder)")
	return fs
}

// restartsFlag is --max-restarts: the one restart policy every runtime
// takes, N restarts, 0 none. Unset, it is the policy's zero value, whose
// default the runtimes fill in.
type restartsFlag runtimes.RestartPolicy

func (r *restartsFlag) String() string {
	if r == nil || *r == (restartsFlag{}) {
		return ""
	}
	return strconv.Itoa(runtimes.RestartPolicy(*r).WithDefaults().MaxRestarts)
}

func (r *restartsFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("%d: want 0 (none) or more", n)
	}
	*r = restartsFlag{MaxRestarts: n, NoRestarts: n == 0}
	return nil
}
