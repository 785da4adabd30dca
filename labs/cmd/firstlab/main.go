// Command firstlab measures a fresh clone's first `go tool mage lab:race`:
// modules fetched, packages compiled, seconds to the verdict. See package
// github.com/bloglabs/posts/labs/cmd/firstlab/app.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/cmd/firstlab/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	cli.Report(os.Stderr, "firstlab", err)
	os.Exit(app.ExitCode(err))
}
