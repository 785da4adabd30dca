// Package fullbuild hands a run from a command's light build to its full
// one. The lab command (labs/cmd/lab) and cisim (ci-preemptible/cmd/cisim)
// link, as `go run` builds them, only what needs neither Docker nor a
// cluster, so that a first run on a fresh clone downloads and compiles
// little (issue 20: 109 modules and ~1,000 packages before). The rest —
// Docker's, kind's and Kubernetes' client libraries — is in their build with
// the tag [Tag]; when a run asks for it, [Command.Run] builds that build
// from the clone into the user cache (seconds once the build cache is warm)
// and runs it with the same arguments and streams, and its exit status
// becomes the light command's ([*ExitStatusError]).
package fullbuild
