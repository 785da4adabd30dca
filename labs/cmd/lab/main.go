// Command lab runs the race labs: go run ./labs/cmd/lab race|fix|compare
// [flags]. See package github.com/bloglabs/posts/labs/cmd/lab/app.
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
	cli.Report(os.Stderr, "lab", err)
	os.Exit(app.ExitCode(err))
}
