// Package kind is the lab runtime that runs a [spec.Deployment] on a kind
// cluster, through kind's Go API (sigs.k8s.io/kind/pkg/cluster) and
// client-go:
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
//   - [Render] turns the spec into an apps/v1 Deployment in the shape of
//     runonce/deploy (POD_NAME from the downward API, DSNs in a Secret,
//     imagePullPolicy IfNotPresent), applied with the typed clientset in a
//     namespace per run.
//   - [PodTracker] turns the pods' states, watched with an informer, into
//     the same events as the other runtimes: init containers' exit codes,
//     restarts, CrashLoopBackOff, readiness. It is a pure function of the
//     pod objects, tested from recorded ones.
//
// Postgres is reached from pods at its IP on kind's Docker network: a
// testcontainers container started on that network ([Runtime.Network]), or
// a relay on the network's gateway for a server on this machine's loopback.
//
// The kubelet restarts crashed containers with its own back-off (10 s
// doubling to 5 min); a pod restarted MaxRestarts times and waiting in
// CrashLoopBackOff counts as given up.
package kind
