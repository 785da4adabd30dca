package app_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/cmd/lab/app"
)

// The lab command: a lab's name and its flags.
func ExampleRun() {
	err := app.Run(context.Background(), cli.OS(), []string{"race", "--replicas", "5", "--json", "labs-output/race.json"})
	app.Report(os.Stderr, err)
	os.Exit(app.ExitCode(err))
}

// A mistyped lab is a usage error: exit status 64.
func ExampleExitCode() {
	err := app.Run(context.Background(), cli.Streams{Out: io.Discard, Err: io.Discard}, []string{"rcae"})
	fmt.Println(app.ExitCode(err))
	cli.Report(os.Stdout, "lab", err)
	// Output:
	// 64
	// lab: unknown lab "rcae": want race, fix or compare (see lab --help)
}
