package app

import (
	"context"
	"log/slog"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/controlplane"
)

const usage = `usage: controlplane build | up [-nodes=false] [-real-node=false]

  build  build the binaries into the cache unless they are there; prints their folder
  up     build if needed, start a control plane, print export KUBECONFIG=...,
         and keep it up until Ctrl-C`

// Run is the controlplane command: build, or up (which serves until ctx
// ends).
func Run(ctx context.Context, streams cli.Streams, args []string) error {
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

// ExitCode maps Run's error to the exit status: 0 done, 64 a usage error,
// 1 any other failure.
func ExitCode(err error) int { return cli.ExitCode(err, 1) }
