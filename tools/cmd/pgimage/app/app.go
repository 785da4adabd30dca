package app

import (
	"context"
	"fmt"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/pgimage"
)

const usage = `usage: pgimage [flags]

Builds the offline PostgreSQL image from Debian packages (debootstrap and
Docker; no registry) unless it exists, and prints its tag.`

// Run is the pgimage command: it builds the image unless it exists and
// prints its tag.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
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

// ExitCode maps Run's error to the exit status: 0 done, 64 a usage error,
// 1 any other failure.
func ExitCode(err error) int { return cli.ExitCode(err, 1) }
