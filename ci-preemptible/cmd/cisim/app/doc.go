// Package app is the cisim command line: `cisim [lab] [flags]` runs the
// preemptible lab in the simulator (package lab), on kind (package kindlab)
// or live on any cluster, a local control plane with kwok nodes by default
// (package live); `cisim --scenario ...` runs scenarios of your own;
// `cisim list` lists the embedded ones.
//
// It has the repository's one CLI shape (package internal/cli): [Run] takes
// the streams and the arguments and returns an error that [ExitCode] maps
// to the exit status; main.go is a few lines, and every test runs in
// process.
package app
