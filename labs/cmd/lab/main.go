// Command lab runs the race labs: go run ./labs/cmd/lab race|fix|compare
// [flags]. See package github.com/bloglabs/posts/labs/cmd/lab/app.
//
// Built as it is, it links only the light table (labs/labkit: the process
// runtime; embedded and dsn Postgres), so that a first `go tool mage
// lab:race` downloads and compiles little. A run that names docker, kind,
// kubernetes or testcontainers, or the cluster and image verbs, builds and
// runs the full command (build tag labsfull, app/build_full.go) with the same
// arguments.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/cmd/lab/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	app.Report(os.Stderr, err)
	os.Exit(app.ExitCode(err))
}
