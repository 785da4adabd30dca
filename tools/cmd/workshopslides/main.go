// Command workshopslides builds the workshop's projector pack,
// docs/workshop/slides.md, into one offline HTML page; see package
// github.com/bloglabs/posts/tools/workshop/slides.
//
//	go run ./tools/cmd/workshopslides [--out FILE]
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/workshop/slides"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := slides.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	cli.Report(os.Stderr, "workshopslides", err)
	os.Exit(slides.ExitCode(err))
}
