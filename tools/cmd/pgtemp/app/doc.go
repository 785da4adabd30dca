// Package app is the pgtemp command (tools/cmd/pgtemp) in the repository's
// one CLI shape: [Run] starts a throwaway PostgreSQL (tools/pgtemp), prints
// its DSN and removes it when the context ends; [ExitCode] maps its error
// to the exit status.
package app
