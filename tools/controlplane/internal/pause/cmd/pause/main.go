// Command pause is the real node's sandbox image (package pause).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/controlplane/internal/pause"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := pause.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	os.Exit(pause.ExitCode(err))
}
