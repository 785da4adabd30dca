// Package app is the cisim command line: `cisim [lab] [flags]` runs the
// preemptible lab in the simulator (--runtime sim, package simlab), live on
// any cluster, a local control plane with kwok nodes by default (--runtime
// kwok, package kwoklab), or on kind (--runtime kind, package kindlab);
// `cisim --scenario ...` runs scenarios of your own;
// `cisim list` lists the embedded ones.
//
// [Run] is the light command ([Light]): the simulator only, so that `go run
// ./ci-preemptible/cmd/cisim`, which exercises 07 and 08 run, compiles the
// Kubernetes API types and kube-scheduler's predicates and no client,
// kind or Docker library. The live labs are in the build with the tag
// labsfull (build_full.go); the light command reads the whole command line,
// refuses a bad one itself, and hands --runtime kwok and kind to that build
// with the same arguments (labs/labkit/fullbuild, as the lab command does):
// it builds it into the user cache and runs it, and its exit status is the
// command's.
//
// It has the repository's one CLI shape (package internal/cli): [Run] takes
// the streams and the arguments and returns an error that [ExitCode] maps
// to the exit status; main.go is a few lines, and every test runs in
// process.
package app
