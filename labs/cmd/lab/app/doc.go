// Package app is the command line of the race labs, in the repository's one
// CLI shape (internal/cli): [Run](ctx, streams, args) and [ExitCode], called
// by labs/cmd/lab's few-line main, which the magefile's lab:race, lab:fix and
// lab:compare run with go run. The labs themselves are a library
// (labs/labkit): a [Command] is a table of runtimes and Postgres providers
// ([Command.Table]), the verbs besides the labs, and how to reach the full
// build; its usage and --runtime/--postgres help are written from the table.
//
// [Run] is the light command: labkit.Light's rows (process; embedded, dsn),
// so that `go run ./labs/cmd/lab` links no Docker or Kubernetes library. A
// run that names a row or a verb only the full build has (docker, kind,
// kubernetes, testcontainers; cluster, image) is handed to [RunFull], which
// builds the command with -tags labsfull into the user cache and runs it
// with the same arguments and streams; its exit status is the command's.
//
// A lab run prints the report to stdout (progress to stderr) and writes JSON
// with --json FILE and an SVG chart with --svg FILE. The report's colour
// follows --color, NO_COLOR and whether stdout is a terminal; its width
// --width, the terminal's width, else $COLUMNS. $LABS_RUNTIME and
// $LABS_POSTGRES set the defaults of --runtime and --postgres, so that a Mage
// target, which takes no flags, can run elsewhere.
//
// [ExitCode] maps Run's error to the exit status in one place: 0 the lab
// showed what it exists to show (or --help), 1 it did not (the message says
// what happened instead), 3 the lab could not run (no Postgres binaries, a
// build failure, ...), 64 a bad command line.
package app
