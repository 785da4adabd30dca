// Command pgtemp starts a throwaway PostgreSQL from the machine's server
// binaries, prints its DSN, and removes it on Ctrl-C. It runs as root too
// (the server then runs as an unprivileged user).
//
//	go run ./tools/cmd/pgtemp [-port N] [-db NAME] [-password PW] [-set name=value ...]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/bloglabs/posts/tools/pgtemp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "pgtemp:", err)
		os.Exit(1)
	}
}

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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pgtemp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := pgtemp.Options{Settings: settings{}}
	fs.IntVar(&opts.Port, "port", 0, "TCP port on 127.0.0.1 (default: a free one)")
	fs.StringVar(&opts.Database, "db", "postgres", "database to create")
	fs.StringVar(&opts.Password, "password", "", "superuser password (default: random)")
	fs.Var(settings(opts.Settings), "set", "server setting name=value (repeatable), e.g. -set max_connections=50")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	s, err := pgtemp.Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, s.DSN())
	fmt.Fprintf(stderr, "pgtemp: serving on port %d (data in %s); Ctrl-C stops it and removes the data\n", s.Port(), s.DataDir())
	<-ctx.Done()
	return s.Stop()
}
