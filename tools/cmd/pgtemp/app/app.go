package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/pgtemp"
)

const usage = `usage: pgtemp [flags]

Starts a throwaway PostgreSQL from this machine's server binaries, prints its
DSN on stdout, and on Ctrl-C stops it and removes its data.`

type settings map[string]string

func (s settings) String() string { return fmt.Sprint(map[string]string(s)) }
func (s settings) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want name=value, got %q", v)
	}
	s[k] = val
	return nil
}

// Run is the pgtemp command: it starts the server, prints its DSN, and
// stops it and removes its data when ctx ends (Ctrl-C).
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("pgtemp", usage)
	opts := pgtemp.Options{Settings: settings{}}
	fs.IntVar(&opts.Port, "port", 0, "TCP port on 127.0.0.1 (default: a free one)")
	fs.StringVar(&opts.Database, "db", "postgres", "database to create")
	fs.StringVar(&opts.Password, "password", "", "superuser password (default: random)")
	fs.Var(settings(opts.Settings), "set", "server setting name=value (repeatable), e.g. --set max_connections=50")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	opts.Logger = slog.New(slog.NewTextHandler(streams.Err, nil))
	s, err := pgtemp.Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(streams.Out, s.DSN())
	fmt.Fprintf(streams.Err, "pgtemp: serving on port %d (data in %s); Ctrl-C stops it and removes the data\n", s.Port(), s.DataDir())
	<-ctx.Done()
	return s.Stop()
}

// ExitCode maps Run's error to the exit status: 0 done, 64 a usage error,
// 1 any other failure.
func ExitCode(err error) int { return cli.ExitCode(err, 1) }
