// Package app is the controlplane command (tools/cmd/controlplane) in the
// repository's one CLI shape: [Run] builds the local control plane's
// binaries (build) or starts one and serves it until the context ends (up);
// [ExitCode] maps its error to the exit status.
package app
