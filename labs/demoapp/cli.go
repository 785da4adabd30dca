package demoapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/demoapp/migrations"
)

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
  --fail-step B       make the one-time step fail before it changes anything
                      (DEMOAPP_FAIL_STEP, default false)
environment: DATABASE_URL, PORT, and the replica's name in logs and sessions:
  RUNONCE_HOLDER (runonce sets it for its step), else POD_NAME, else the host name

exit status: 0 done, 1 failed (the lab counts a crash), 3 the one-time step failed on
purpose (--fail-step), 64 usage.`

// Run is the demoapp command line. Logs and events go to streams.Err;
// postlock's command inherits streams.Out and streams.Err.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	if len(args) == 0 {
		return cli.Usagef("name a command: serve, migrate, postlock or version")
	}
	cmd, args := args[0], args[1:]
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		cli.PrintUsage(cli.NewFlagSet("demoapp", usage), streams.Out)
		return cli.ErrHelp
	}
	c, err := ConfigFromEnv()
	if err != nil {
		return cli.Usagef("%v", err)
	}
	fs := cli.NewFlagSet("demoapp "+cmd, usage)
	fs.DurationVar(&c.Backfill, "backfill", c.Backfill, "length of the slow step")
	fs.BoolVar(&c.CreateIndex, "create-index", c.CreateIndex, "include the CREATE INDEX CONCURRENTLY step")
	fs.BoolVar(&c.FailStep, "fail-step", c.FailStep, "make the one-time step fail (migrate exits 3)")
	lockFlag := fs.String("lock", string(c.Lock), "none or goose")
	migrateOnBoot := fs.Bool("migrate-on-boot", false, "serve: migrate before serving")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	c.Lock = Lock(*lockFlag)
	if err := c.validate(); err != nil {
		return cli.Usagef("%v", err)
	}
	log := slog.New(slog.NewTextHandler(streams.Err, nil)).With("pod", c.Pod)
	err = run(ctx, streams, cmd, c, *migrateOnBoot, fs.Args(), log)
	if err != nil && !cli.IsUsage(err) && ctx.Err() == nil {
		log.Error("exiting", "event", EventError, "err", oneLine(err.Error()))
	}
	return err
}

// run runs one command.
func run(ctx context.Context, streams cli.Streams, cmd string, c Config, migrateOnBoot bool, args []string, log *slog.Logger) error {
	switch cmd {
	case "serve":
		return Serve(ctx, c, migrateOnBoot, log)
	case "migrate":
		return Migrate(ctx, c, log)
	case "postlock":
		return PostLock(ctx, c, args, streams.Out, streams.Err, log)
	case "version":
		fmt.Fprintln(streams.Out, c.TargetVersion())
		return nil
	}
	return cli.Usagef("unknown command %q: want serve, migrate, postlock or version", cmd)
}

// ExitStepFailed is the exit status of a migration whose one-time step
// failed on purpose (--fail-step): distinct from 1, so that a reader sees
// it pass through runonce unchanged.
const ExitStepFailed = 3

// ExitCode maps Run's error to the process's exit status: 0, 64 for a usage
// error, [ExitStepFailed] for the one-time step failed on purpose, 1 for any
// other failure (a crash, as the labs count it).
func ExitCode(err error) int {
	if errors.Is(err, migrations.ErrStepFailed) {
		return ExitStepFailed
	}
	return cli.ExitCode(err, 1)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
