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
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/controlplane"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	streams := cli.OS()
	err := run(ctx, streams, os.Args[1:])
	stop()
	cli.Report(streams.Err, "controlplane", err)
	os.Exit(cli.ExitCode(err, 1))
}

const usage = `usage: controlplane build | up [-nodes=false] [-real-node=false]

  build  build the binaries into the cache unless they are there; prints their folder
  up     build if needed, start a control plane, print export KUBECONFIG=...,
         and keep it up until Ctrl-C; with a real node (kubelet, containerd) where the
         host can run one (Linux, root, containerd and CNI plugins installed)`

func run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("controlplane", usage)
	nodes := fs.Bool("nodes", true, "up: create two kwok nodes like the labs' kind cluster (one general, one tainted preemptible)")
	realNode := fs.Bool("real-node", true, "up: also start a real node that runs containers, where the host can (else kwok nodes only, saying what is missing)")
	if len(args) == 0 {
		return cli.Usagef("want a command: build or up")
	}
	if err := cli.Parse(fs, args[1:], streams); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(streams.Err, nil))
	switch args[0] {
	case "build":
		b, err := controlplane.Build(ctx, controlplane.BuildOptions{Logger: log})
		if err != nil {
			return err
		}
		_, err = streams.Out.Write([]byte(b.Dir + "\n"))
		return err
	case "up":
		opts := controlplane.Options{Logger: log, RealNode: *realNode}
		if *nodes {
			opts.Nodes = controlplane.LabNodes()
		}
		return controlplane.Serve(ctx, streams.Out, opts)
	case "-h", "--help", "help":
		cli.PrintUsage(fs, streams.Out)
		return cli.ErrHelp
	}
	return cli.Usagef("unknown command %q: want build or up", args[0])
}
