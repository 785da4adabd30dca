// Command pgimage builds the offline PostgreSQL image (see package
// tools/pgimage): no registry, only the machine's Debian mirror and Docker.
//
//	go run ./tools/cmd/pgimage [--tag bloglabs/postgres-offline:15] [--rebuild] [--mirror URL] [-v]
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/pgimage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, cli.OS(), os.Args[1:])
	stop()
	cli.Report(os.Stderr, "pgimage", err)
	os.Exit(cli.ExitCode(err, 1))
}

const usage = `usage: pgimage [flags]

Builds the offline PostgreSQL image from Debian packages (debootstrap and
Docker; no registry) unless it exists, and prints its tag.`

func run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("pgimage", usage)
	var o pgimage.Options
	fs.StringVar(&o.Tag, "tag", pgimage.DefaultTag, "image tag")
	fs.StringVar(&o.Mirror, "mirror", "", "Debian mirror (default: the one apt uses here)")
	fs.BoolVar(&o.Rebuild, "rebuild", false, "build even if the image exists")
	verbose := fs.Bool("v", false, "show debootstrap's and docker's output")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	if *verbose {
		o.Output = streams.Err
	}
	tag, err := pgimage.Build(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintln(streams.Out, tag)
	return nil
}
