package app

import (
	"context"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/crosscheck"
	"github.com/bloglabs/posts/internal/lint"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/tools/doctor"
)

const usage = `usage: lint [crosscheck]

With no argument: checks gofmt, then runs go vet and staticcheck (pinned in
go.mod) over every package, with -race where it works so that go test -race
reuses the build.
crosscheck: type-checks every package, tests included, for darwin/arm64,
darwin/amd64 and windows/amd64, so a Linux-only call cannot land.`

// Run is the lint command.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("lint", usage)
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() > 1 || (fs.NArg() == 1 && fs.Arg(0) != "crosscheck") {
		return cli.Usagef("unexpected argument %q: want none or crosscheck", fs.Arg(fs.NArg()-1))
	}
	root, err := repo.Root()
	if err != nil {
		return err
	}
	if fs.NArg() == 1 {
		return crosscheck.CheckEach(ctx, root, streams.Out, crosscheck.Laptops(), "./...")
	}
	return lint.Run(ctx, lint.Options{Dir: root, Race: doctor.RaceWorks(ctx), Out: streams.Out})
}

// ExitCode maps Run's error to the exit status: 0 clean, 64 a usage error,
// 1 a finding or any other failure.
func ExitCode(err error) int { return cli.ExitCode(err, 1) }
