// Command controlplane builds the local Kubernetes control plane's binaries
// (Kubernetes v1.37.2 and kwok v0.8.0, from source, cached) and starts one
// on loopback with two kwok nodes, printing `export KUBECONFIG=<file>`;
// Ctrl-C stops it and removes its files.
//
//	go run ./tools/cmd/controlplane build   # build unless cached (10-17 min cold on 2 cores)
//	go run ./tools/cmd/controlplane up      # build if needed, start, wait for Ctrl-C
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/cmd/controlplane/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, cli.OS(), os.Args[1:])
	stop()
	cli.Report(os.Stderr, "controlplane", err)
	os.Exit(app.ExitCode(err))
}
