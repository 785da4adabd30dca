package fullbuild_test

import (
	"context"
	"errors"
	"os"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/labkit/fullbuild"
)

// A light command hands a run it cannot do to its full build: cisim's
// light build, asked for the kwok lab, builds `go build -tags labsfull
// ./ci-preemptible/cmd/cisim` into the user cache and runs it with the
// same arguments; a non-zero exit is the command's own.
func ExampleCommand_Run() {
	cisim := fullbuild.Command{Name: "cisim", Dir: "ci-preemptible/cmd/cisim", Adds: "the live labs (kwok, kind)"}
	err := cisim.Run(context.Background(), cli.OS(), []string{"lab", "--runtime", "kwok"})
	var st *fullbuild.ExitStatusError
	if errors.As(err, &st) {
		os.Exit(st.Code)
	}
}
