// Command lint is the repository's lint (gofmt, go vet, staticcheck) and,
// with `crosscheck`, its type-check for macOS and Windows; see package
// github.com/bloglabs/posts/tools/cmd/lint/app.
//
//	go run ./tools/cmd/lint [crosscheck]
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/cmd/lint/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := app.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	cli.Report(os.Stderr, "lint", err)
	os.Exit(app.ExitCode(err))
}
