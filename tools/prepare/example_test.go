package prepare_test

import (
	"context"
	"os"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/tools/prepare"
)

// Prepare runs as a command: the same as go tool mage prepare.
func ExampleRun() {
	err := prepare.Run(context.Background(), cli.OS(), []string{"--no-docker"})
	os.Exit(prepare.ExitCode(err))
}
