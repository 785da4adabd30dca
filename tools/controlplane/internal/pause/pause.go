package pause

import (
	"context"

	"github.com/bloglabs/posts/internal/cli"
)

// Run reaps children until ctx ends; pause takes no arguments.
func Run(ctx context.Context, _ cli.Streams, args []string) error {
	if len(args) > 0 {
		return cli.Usagef("pause takes no arguments")
	}
	go reap()
	<-ctx.Done()
	return nil
}

// ExitCode is 0 when pause was stopped, else the usage error's status.
func ExitCode(err error) int { return cli.ExitCode(err, 1) }
