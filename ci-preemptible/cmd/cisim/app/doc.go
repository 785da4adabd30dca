// Package app is the cisim command line: `cisim [lab] [flags]` runs the
// preemptible lab in the simulator (--runtime sim, package simlab), live on
// any cluster, a local control plane with kwok nodes by default (--runtime
// kwok, package kwoklab), or on kind (--runtime kind, package kindlab);
// `cisim --scenario ...` runs scenarios of your own;
// `cisim list` lists the embedded ones.
//
// It has the repository's one CLI shape (package internal/cli): [Run] takes
// the streams and the arguments and returns an error that [ExitCode] maps
// to the exit status; main.go is a few lines, and every test runs in
// process.
package app
