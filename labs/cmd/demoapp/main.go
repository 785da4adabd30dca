// Command demoapp is the service the race labs deploy; see package
// github.com/bloglabs/posts/labs/demoapp.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/demoapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	err := demoapp.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	cli.Report(os.Stderr, "demoapp", err)
	os.Exit(demoapp.ExitCode(err))
}
