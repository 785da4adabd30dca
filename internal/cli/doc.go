// Package cli is the one shape every command of this repository has (runonce,
// lab, cisim, ...), after kind's cmd/kind/app: main.go is a few lines that call
// a package's Run(ctx, Streams, args) error and exit with its ExitCode; flags
// are parsed by [Parse], so --help and bad flags behave the same everywhere:
//
//   - -h/--help prints the usage on stdout and exits 0;
//   - a bad flag or argument prints one line "NAME: MESSAGE (see NAME --help)"
//     on stderr and exits 64 (EX_USAGE, as runonce has always done).
//
// It imports the standard library only: runonce's CLI uses it, and runonce
// is imported into other people's programs.
package cli
