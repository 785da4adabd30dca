// Package app is the pgimage command (tools/cmd/pgimage) in the
// repository's one CLI shape: [Run] builds the offline PostgreSQL image
// (tools/pgimage) unless it exists and prints its tag; [ExitCode] maps its
// error to the exit status.
package app
