// Command pgtemp starts a throwaway PostgreSQL from the machine's server
// binaries, prints its DSN, and removes it on Ctrl-C. It runs as root too
// (the server then runs as an unprivileged user).
//
//	go run ./tools/cmd/pgtemp [--port N] [--db NAME] [--password PW] [--set name=value ...]
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/cmd/pgtemp/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	cli.Report(os.Stderr, "pgtemp", err)
	os.Exit(app.ExitCode(err))
}
