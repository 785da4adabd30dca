package app_test

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/bloglabs/posts/labs/cmd/lab/app"
)

// A magefile target is one call; its exit status comes from ExitCode.
func ExampleRun() {
	err := app.Run(context.Background(), []string{"race", "--replicas", "5", "--json", "labs-output/race.json"}, os.Stdout, os.Stderr)
	os.Exit(app.ExitCode(err))
}

// A mistyped lab is a usage error: exit status 2.
func ExampleExitCode() {
	err := app.Run(context.Background(), []string{"rcae"}, io.Discard, io.Discard)
	fmt.Println(app.ExitCode(err), err)
	// Output: 2 usage: unknown lab "rcae": want race, fix or compare
}
