package app

import (
	"context"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/labkit/fullbuild"
)

// FullTag is the build tag of the lab command's full build: with it,
// labs/cmd/lab runs on labs/labkit/full's table (docker, kind, kubernetes,
// testcontainers) and has the verbs that need Docker or a cluster.
const FullTag = fullbuild.Tag

// ExitStatusError is [RunFull]'s error when the full build ran and exited
// non-zero: it has printed its own message, and its status is the command's.
type ExitStatusError = fullbuild.ExitStatusError

// fullBuild is this command with -tags labsfull.
var fullBuild = fullbuild.Command{Name: "lab", Dir: "labs/cmd/lab", Adds: "Docker, kind and Kubernetes"}

// RunFull runs args in the lab command's full build: it builds it from the
// repository around the working directory into the user cache folder (go
// build -tags labsfull; the first time, minutes: it compiles Docker's,
// kind's and Kubernetes' client libraries), then runs it with the same
// streams. Outside the repository it says how to get it.
func RunFull(ctx context.Context, streams cli.Streams, args []string) error {
	return fullBuild.Run(ctx, streams, args)
}
