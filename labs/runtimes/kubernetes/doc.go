// Package kubernetes is the lab runtime that runs a [spec.Deployment] on any
// Kubernetes cluster a kubeconfig names ([RESTConfig]: a file and a
// context, as kubectl reads them): GKE, minikube, k3d, kind. The kind
// runtime (labs/runtimes/kind) is kind's provisioning in front of this one.
//
//   - [Render] turns the spec into an apps/v1 Deployment in the shape of
//     runonce/deploy (POD_NAME from the downward API, DSNs in a Secret,
//     imagePullPolicy IfNotPresent), created with strict field validation
//     in a namespace per run, deleted after it.
//   - [PodTracker] turns the pods' states, watched with an informer, into
//     the same events as the other runtimes: init containers' exit codes,
//     restarts, CrashLoopBackOff, readiness. It is a pure function of the
//     pod objects, tested from pod objects recorded on a real control plane
//     (tools/controlplane, kwok driving the container states).
//   - Each container attempt's log is followed (`kubectl logs -f`) into
//     output lines; a container's end is reported after its log is read.
//
// How replicas reach Postgres is the cluster owner's business: the lab's
// Postgres is given as backends (the address this machine dials, which the
// lab also uses), and [Options].PodPostgres (the lab CLI's --pod-postgres,
// $LABS_POD_POSTGRES) says at which HOST:PORT pods reach the same server —
// a Service, a private IP, a managed database. Without it the replicas dial
// the lab's own address, which must not be this machine's loopback.
//
// The image must be one the cluster can get: pushed to a registry its nodes
// pull from, or loaded into them. The kubelet restarts crashed containers
// with its own back-off (10 s doubling to 5 min); a pod restarted
// MaxRestarts times and waiting in CrashLoopBackOff counts as given up.
package kubernetes
