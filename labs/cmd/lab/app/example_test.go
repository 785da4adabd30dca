package app_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/cmd/lab/app"
)

// A magefile target is one typed call: the lab and its options.
func ExampleRunLab() {
	o := app.DefaultOptions()
	o.Replicas = 5
	o.JSONFile = "labs-output/race.json"
	err := app.RunLab(context.Background(), cli.OS(), app.Race, o)
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
