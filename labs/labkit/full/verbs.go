package full

import (
	"context"
	"fmt"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/runtimes/kind"
)

// Verb is a subcommand of the lab command besides the labs, in the one CLI
// shape.
type Verb = func(ctx context.Context, streams cli.Streams, args []string) error

// Verbs are the lab command's subcommands that need this package: cluster
// (kind's up and down) and image (build the lab image).
func Verbs() map[string]Verb {
	return map[string]Verb{"cluster": runCluster, "image": runImage}
}

const clusterUsage = `usage: lab cluster up|down [--cluster NAME] [--shape race|preemptible]

  up     create the kind cluster the labs use (after checking that kind can run here);
         an existing cluster of that name is kept as it is
  down   delete it`

// runCluster is `lab cluster up|down`.
func runCluster(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("lab cluster", clusterUsage)
	name := fs.String("cluster", ClusterName(""), "the cluster's name")
	shape := fs.String("shape", "race", "race (one node) or preemptible (a worker, and one labelled and tainted like a GKE preemptible node)")
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		cli.PrintUsage(fs, streams.Out)
		return cli.ErrHelp
	}
	if len(args) == 0 {
		return cli.Usagef("cluster up or cluster down")
	}
	verb := args[0]
	if err := cli.Parse(fs, args[1:], streams); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected arguments %q", fs.Args())
	}
	switch verb {
	case "up":
		c, err := clusterShape(*name, *shape)
		if err != nil {
			return err
		}
		return ClusterUp(ctx, streams, c)
	case "down":
		return ClusterDown(ctx, streams, *name)
	default:
		return cli.Usagef("cluster %q: want up or down", verb)
	}
}

// clusterShape is the cluster --shape names.
func clusterShape(name, shape string) (kind.Cluster, error) {
	switch shape {
	case "race":
		return kind.RaceCluster(name), nil
	case "preemptible":
		return kind.PreemptibleCluster(name), nil
	}
	return kind.Cluster{}, cli.Usagef("--shape %q: want race or preemptible", shape)
}

// ClusterUp creates the kind cluster c (after checking that kind can run
// here), or keeps it when it exists.
func ClusterUp(ctx context.Context, streams cli.Streams, c kind.Cluster) error {
	quietTestcontainers()
	created, err := kind.Up(ctx, c, 3*time.Minute, streams.Err)
	if err != nil {
		return kind.ForRaceLabs(err)
	}
	if created {
		fmt.Fprintf(streams.Out, "kind cluster %s is up; the labs use it with --runtime kind --cluster %s and keep it; delete it with: go tool mage cluster:down\n", c.Name, c.Name)
	}
	return nil
}

// ClusterDown deletes the kind cluster name.
func ClusterDown(ctx context.Context, streams cli.Streams, name string) error {
	if err := kind.Down(ctx, name, streams.Err); err != nil {
		return err
	}
	fmt.Fprintf(streams.Out, "kind cluster %s is gone\n", name)
	return nil
}

const imageUsage = `usage: lab image

  build the lab image (demoapp and runonce, static, FROM scratch) and load it into Docker`

// runImage is `lab image`.
func runImage(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("lab image", imageUsage)
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected arguments %q", fs.Args())
	}
	img, err := appimage.Build(ctx, appimage.Options{Progress: streams.Err})
	if err != nil {
		return err
	}
	fmt.Fprintln(streams.Out, img.Tag)
	return nil
}
