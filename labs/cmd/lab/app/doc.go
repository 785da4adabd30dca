// Package app is the command line of the race labs: `go run ./labs/cmd/lab
// race|fix|compare [flags]`, and what the magefile's lab:race, lab:fix and
// lab:compare targets call.
//
// [Run] builds the demo app and runonce with `go build` into a cache folder
// (--runtime process) or as the lab image (--runtime docker or kind: static
// binaries FROM scratch, loaded into Docker), starts the Postgres provider
// (--postgres embedded, testcontainers or dsn), runs the lab on the runtime,
// prints the report to stdout (progress to stderr) and writes JSON with
// --json FILE. --runtime kind checks the host before anything else and says
// what keeps kind from running. `lab cluster up|down` creates and deletes the
// kind cluster (the magefile's cluster:up and cluster:down). $LABS_RUNTIME
// and $LABS_POSTGRES set the defaults of --runtime and --postgres, so that a
// Mage target, which takes no flags, can run elsewhere. [ExitCode]
// maps its error to the process's exit status, in one place: 0 the lab showed
// what it exists to show, 1 it did not (the message says what happened
// instead), 2 usage, 3 the lab could not run (no Postgres binaries, a build
// failure, ...).
package app
