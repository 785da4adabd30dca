package labcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bloglabs/labs/labs/internal/binaries"
	"github.com/bloglabs/labs/labs/lab"
	"github.com/bloglabs/labs/labs/postgres/embedded"
	"github.com/bloglabs/labs/labs/report"
	"github.com/bloglabs/labs/labs/runtime/process"
)

// The seams' implementations, checked where they are wired together.
var (
	_ lab.Runtime  = (*process.Runtime)(nil)
	_ lab.Postgres = (*embedded.Server)(nil)
)

// ErrUsage is returned by [Run] for a bad command line.
var ErrUsage = errors.New("usage")

const usage = `usage: lab race|fix|compare [flags]

  race      N replicas migrate on boot with no lock: the race, from the database's side
  fix       the same app with runonce --version V -- demoapp migrate as initContainer
  compare   no lock, the post's LOCK TABLE, goose's session locker and runonce side by side,
            with and without CREATE INDEX CONCURRENTLY

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
	fs.StringVar(&o.runtime, "runtime", "process", "where replicas run: process (docker and kind come later)")
	fs.StringVar(&o.postgres, "postgres", "embedded", "the Postgres provider: embedded (testcontainers and dsn come later)")
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
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", ErrUsage, fs.Args())
	}
	switch {
	case name != "race" && name != "fix" && name != "compare":
		return fmt.Errorf("%w: unknown lab %q: want race, fix or compare", ErrUsage, name)
	case o.replicas < 1:
		return fmt.Errorf("%w: --replicas %d: want at least 1", ErrUsage, o.replicas)
	case o.runtime != "process":
		return fmt.Errorf("%w: --runtime %q: only process exists so far (docker and kind come with the container work)", ErrUsage, o.runtime)
	case o.postgres != "embedded":
		return fmt.Errorf("%w: --postgres %q: only embedded exists so far (testcontainers and dsn come with the container work)", ErrUsage, o.postgres)
	case o.color != "auto" && o.color != "always" && o.color != "never":
		return fmt.Errorf("%w: --color %q: want auto, always or never", ErrUsage, o.color)
	}

	// Build what the replicas run.
	binDir, runonceMissing, err := build(ctx, o.binDir, name != "race", stderr)
	if err != nil {
		return err
	}
	t0 := time.Now()
	fmt.Fprintf(stderr, "starting embedded PostgreSQL... ")
	pg, err := embedded.Start(ctx, embedded.Options{})
	if err != nil {
		fmt.Fprintln(stderr)
		return err
	}
	defer pg.Stop()
	fmt.Fprintf(stderr, "%s, %.1fs\n", pg.Describe(), time.Since(t0).Seconds())

	maxRestarts := o.maxRestarts
	if maxRestarts == 0 {
		maxRestarts = -1 // process.Options reads 0 as "the default"
	}
	rt := process.New(process.Options{BinDir: binDir, MaxRestarts: maxRestarts, LogDir: o.logs})
	cfg := lab.Config{
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
			r, labErr = lab.Race(ctx, cfg)
		} else {
			r, labErr = lab.Fix(ctx, cfg)
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
		c, labErr = lab.Compare(ctx, cfg)
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
// ([lab.ErrNotShown]), 2 usage, 3 could not run.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, lab.ErrNotShown):
		return 1
	case errors.Is(err, ErrUsage):
		return 2
	default:
		return 3
	}
}
