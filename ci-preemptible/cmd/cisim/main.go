// Command cisim simulates CI jobs on Kubernetes node pools, and runs the
// preemptible lab live on a cluster; see package
// github.com/bloglabs/posts/ci-preemptible/cmd/cisim/app.
//
// Built as it is, it links the simulator only; --runtime kwok or kind
// builds and runs the full command (build tag labsfull,
// app/build_full.go) with the same arguments.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/ci-preemptible/cmd/cisim/app"
	"github.com/bloglabs/posts/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	app.Report(os.Stderr, err)
	os.Exit(app.ExitCode(err))
}
