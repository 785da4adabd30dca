// Command workshop holds the workshop's room tools: check an attendee's run
// of an exercise against its checkpoints, run an exercise's steps to catch
// up, reset what the exercises started and regenerate the transcripts; see
// package github.com/bloglabs/posts/tools/workshop.
//
//	go run ./tools/cmd/workshop check NN [FILE|-] | run NN | reset | transcripts
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/workshop"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := workshop.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	if !errors.Is(err, workshop.ErrOff) { // the report has said it
		cli.Report(os.Stderr, "workshop", err)
	}
	os.Exit(workshop.ExitCode(err))
}
