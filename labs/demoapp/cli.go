package demoapp

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/bloglabs/posts/labs/demoapp/migrations"
)

// ErrUsage is returned by [Run] for a bad command line; the program exits 2.
var ErrUsage = errors.New("usage")

const usage = `usage: demoapp COMMAND [flags]

commands:
  serve [--migrate-on-boot]   serve /healthz and /readyz on $PORT; migrate first if asked
  migrate                     migrate to the latest version and exit (an initContainer)
  postlock -- CMD [ARG...]    the post's recipe: LOCK TABLE install_locks, run CMD, COMMIT
  version                     print the schema version this binary migrates to

flags (also from the environment):
  --backfill D        length of the slow step (DEMOAPP_BACKFILL, default 1.5s)
  --create-index B    include CREATE INDEX CONCURRENTLY (DEMOAPP_CREATE_INDEX, default true)
  --lock none|goose   how migrating replicas exclude each other (DEMOAPP_LOCK, default none)
  --fail-step B       make the one-time step fail before it changes anything; migrate
                      exits 3 (DEMOAPP_FAIL_STEP, default false)
environment: DATABASE_URL, POD_NAME, PORT
`

// Run is the demoapp command line. Logs and events go to stderr; postlock's
// command inherits stdout and stderr.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command", ErrUsage)
	}
	c, err := ConfigFromEnv()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("demoapp "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&c.Backfill, "backfill", c.Backfill, "length of the slow step")
	fs.BoolVar(&c.CreateIndex, "create-index", c.CreateIndex, "include the CREATE INDEX CONCURRENTLY step")
	fs.BoolVar(&c.FailStep, "fail-step", c.FailStep, "make the one-time step fail (migrate exits 3)")
	lockFlag := fs.String("lock", string(c.Lock), "none or goose")
	migrateOnBoot := fs.Bool("migrate-on-boot", false, "serve: migrate before serving")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	c.Lock = Lock(*lockFlag)
	if err := c.validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil)).With("pod", c.Pod)
	err = func() error {
		switch cmd {
		case "serve":
			return Serve(ctx, c, *migrateOnBoot, log)
		case "migrate":
			return Migrate(ctx, c, log)
		case "postlock":
			return PostLock(ctx, c, fs.Args(), stdout, stderr, log)
		case "version":
			fmt.Fprintln(stdout, c.TargetVersion())
			return nil
		default:
			fmt.Fprint(stderr, usage)
			return fmt.Errorf("%w: unknown command %q", ErrUsage, cmd)
		}
	}()
	if err != nil && !errors.Is(err, ErrUsage) && ctx.Err() == nil {
		log.Error("exiting", "event", EventError, "err", oneLine(err.Error()))
	}
	return err
}

// ExitStepFailed is the exit status of a migration whose one-time step
// failed on purpose (--fail-step): distinct from 1, so that a reader sees
// it pass through runonce unchanged.
const ExitStepFailed = 3

// ExitCode maps Run's error to the process's exit status.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	case errors.Is(err, migrations.ErrStepFailed):
		return ExitStepFailed
	default:
		return 1
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
