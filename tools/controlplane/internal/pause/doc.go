// Command pause is the real node's sandbox ("pause") image: the process
// that holds a pod's namespaces while its containers come and go. It sleeps,
// reaps the zombies it inherits as PID 1, and exits on SIGTERM or SIGINT.
// tools/controlplane builds it (static, CGO off) into an image FROM scratch
// and imports it into the node's containerd, since no registry can be
// reached to pull registry.k8s.io/pause.
package main
