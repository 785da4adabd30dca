// Command doctor checks that this machine can run the labs and says how to
// fix what is missing; see package github.com/bloglabs/posts/tools/doctor.
//
//	go run ./tools/cmd/doctor [--json FILE] [--only CHECK,...]
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/doctor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := doctor.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	if !errors.Is(err, doctor.ErrNotReady) { // the report has said it
		cli.Report(os.Stderr, "doctor", err)
	}
	os.Exit(doctor.ExitCode(err))
}
