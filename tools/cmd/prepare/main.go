// Command prepare fetches and builds everything the labs need while the
// network is there, then runs the doctor; see package
// github.com/bloglabs/posts/tools/prepare.
//
//	go run ./tools/cmd/prepare [--no-docker]
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/doctor"
	"github.com/bloglabs/posts/tools/prepare"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := prepare.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	if !errors.Is(err, doctor.ErrNotReady) { // the doctor's report has said it
		cli.Report(os.Stderr, "prepare", err)
	}
	os.Exit(prepare.ExitCode(err))
}
