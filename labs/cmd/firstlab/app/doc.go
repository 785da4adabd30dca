// Package app is the firstlab command (labs/cmd/firstlab, `go tool mage
// bench:firstlab`) in the repository's one CLI shape: [Run] measures a
// fresh clone's first `go tool mage lab:race` at one or two revisions with
// labs/firstlab and prints them side by side; [ExitCode] maps its error.
package app
