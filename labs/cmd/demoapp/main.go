// Command demoapp is the service the race labs deploy; see package
// github.com/bloglabs/posts/labs/demoapp.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/labs/demoapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	err := demoapp.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(demoapp.ExitCode(err))
}
