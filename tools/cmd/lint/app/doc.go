// Package app is the lint command (tools/cmd/lint) in the repository's one
// CLI shape: [Run] with no argument runs the lint (internal/lint: gofmt, go
// vet, staticcheck; with -race where the race detector builds, which it
// asks the doctor), and with `crosscheck` type-checks every package, tests
// included, for the laptops' other systems (internal/crosscheck). The
// magefile's lint and crosscheck targets run it; [ExitCode] maps its error
// to the exit status.
package app
