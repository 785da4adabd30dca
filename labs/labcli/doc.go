// Package labcli is the command line of the race labs: `go run ./labs/cmd/lab
// race|fix|compare [flags]`, and what the magefile's lab:race, lab:fix and
// lab:compare targets call.
//
// [Run] builds the demo app and runonce with `go build` into a cache folder,
// starts the Postgres provider, runs the lab on the runtime, prints the report
// to stdout (progress to stderr) and writes JSON with --json FILE. [ExitCode]
// maps its error to the process's exit status, in one place: 0 the lab showed
// what it exists to show, 1 it did not (the message says what happened
// instead), 2 usage, 3 the lab could not run (no Postgres binaries, a build
// failure, ...).
package labcli
