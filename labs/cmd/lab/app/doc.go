// Package app is the command line of the race labs, in the repository's one
// CLI shape (internal/cli): [Run](ctx, streams, args) and [ExitCode], called
// by labs/cmd/lab's few-line main. The magefile's lab:race, lab:fix,
// lab:compare, cluster:up and cluster:down call its typed API instead:
// [RunLab] with a [Lab] and [Options] (start from [DefaultOptions]),
// [ClusterUp] and [ClusterDown].
//
// [RunLab] checks the host first (kind's requirements; on Windows, that the
// process runtime needs WSL2), builds the demo app and runonce with `go build`
// into a cache folder (--runtime process) or as the lab image (--runtime
// docker or kind: static binaries FROM scratch, loaded into Docker), starts
// the Postgres provider (--postgres embedded, testcontainers or dsn), runs the
// lab on the runtime, prints the report to stdout (progress to stderr) and
// writes JSON with --json FILE. The report's colour follows --color, NO_COLOR
// and whether stdout is a terminal; its width --width, the terminal's width,
// else $COLUMNS. $LABS_RUNTIME and $LABS_POSTGRES set the defaults of
// --runtime and --postgres, so that a Mage target, which takes no flags, can
// run elsewhere.
//
// [ExitCode] maps Run's error to the exit status in one place: 0 the lab
// showed what it exists to show (or --help), 1 it did not (the message says
// what happened instead), 3 the lab could not run (no Postgres binaries, a
// build failure, ...), 64 a bad command line.
package app
