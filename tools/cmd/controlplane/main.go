// Command controlplane builds the local Kubernetes control plane's binaries
// (Kubernetes v1.37.2 and kwok v0.8.0, from source, cached) and starts one
// on loopback with kwok nodes, printing `export KUBECONFIG=<file>`; Ctrl-C
// stops it and removes its files.
//
//	go run ./tools/cmd/controlplane build   # build if not cached (10-17 min cold on 2 cores)
//	go run ./tools/cmd/controlplane up      # build if needed, start, wait for Ctrl-C
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/tools/controlplane"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "controlplane:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("controlplane", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: controlplane build | up [-nodes=false]")
		fs.PrintDefaults()
	}
	nodes := fs.Bool("nodes", true, "up: create two kwok nodes like the labs' kind cluster (one general, one tainted preemptible)")
	if len(args) == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	switch args[0] {
	case "build":
		b, err := controlplane.Build(ctx, controlplane.BuildOptions{Logger: log})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, b.Dir)
		return nil
	case "up":
		opts := controlplane.Options{Logger: log}
		if *nodes {
			opts.Nodes = controlplane.LabNodes()
		}
		return controlplane.Serve(ctx, stdout, opts)
	}
	fs.Usage()
	return fmt.Errorf("unknown command %q", args[0])
}
