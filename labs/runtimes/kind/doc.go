// Package kind is the lab runtime that runs a [spec.Deployment] on a kind
// cluster, through kind's Go API (sigs.k8s.io/kind/pkg/cluster):
//
//   - [CheckHost] first says plainly whether kind can run here: the docker
//     command, an engine, cgroup v2 on the engine's host (kind's node image,
//     Kubernetes 1.37, refuses cgroup v1) and a privileged container that
//     really starts (every kind node is one). It creates nothing but a
//     probe container; no image is pulled.
//   - [Up] and [Down] create and delete a named cluster ([Cluster]: one node
//     for the race labs; a labelled, NoSchedule-tainted worker for the
//     preemptible lab, the taint set as the node joins). A cluster that
//     exists is reused; one the runtime created is deleted at Close unless
//     kept (--keep).
//   - [LoadImage] loads the lab image into every node that lacks it, kind's
//     own way (`kind load docker-image`): docker save, then
//     nodeutils.LoadImageArchive into each node's containerd.
//   - The rest is the Kubernetes runtime (labs/runtimes/kubernetes), given
//     a client of the cluster: the spec rendered as a Deployment in a
//     namespace per run, pods watched and turned into events.
//
// Postgres is reached from pods at its IP on kind's Docker network: a
// testcontainers container started on that network ([Runtime.Network]), or
// a relay on the network's gateway for a server on this machine's loopback.
package kind
