// Package layout holds tests of the repository's architecture rules, the ones
// docs/conventions.md states and a reviewer would otherwise have to remember:
//
//   - the folder arrows: which top-level folder may import which (tools sit
//     below the labs, internal below everything; TestFolderArrows logs the
//     arrows it finds);
//   - runonce imports only pgx and the standard library (people import it
//     into their own programs), and internal/cli only the standard library;
//   - every function of non-test code fits on a screen (80 lines);
//   - every package has a doc.go with its package comment;
//   - every command has the one CLI shape: main.go alone, calling a
//     package's Run and ExitCode, so no command has logic a test cannot
//     reach.
//
// The offenders are named with where they are and what to do.
package layout
