// Command actor is the program the runtime contract (labs/runtimes/contract)
// deploys; see package labs/runtimes/contract/internal/actor.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/runtimes/contract/internal/actor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	err := actor.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	cli.Report(os.Stderr, "actor", err)
	os.Exit(actor.ExitCode(err))
}
