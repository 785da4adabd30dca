// Package pause is the real node's sandbox ("pause") program: the process
// that holds a pod's namespaces while its containers come and go. It sleeps,
// reaps the zombies it inherits as PID 1, and ends when its context does
// (cmd/pause ends it on SIGTERM or SIGINT). tools/controlplane builds
// cmd/pause (static, CGO off) into an image FROM scratch and imports it into
// the node's containerd, since no registry can be reached to pull
// registry.k8s.io/pause.
package pause
