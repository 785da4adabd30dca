// Command pgimage builds the offline PostgreSQL image (see package
// tools/pgimage): no registry, only the machine's Debian mirror and Docker.
//
//	go run ./tools/cmd/pgimage [--tag bloglabs/postgres-offline:15] [--rebuild] [--mirror URL] [-v]
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/cmd/pgimage/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := app.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	cli.Report(os.Stderr, "pgimage", err)
	os.Exit(app.ExitCode(err))
}
