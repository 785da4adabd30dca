// Package controlplane builds and starts a throwaway Kubernetes control
// plane on loopback, with kwok standing in for kubelets: real validation,
// real controllers and the real scheduler, no containers — and, where the
// host can run one, a real node that runs real containers. It is what the
// project's Kubernetes code is tested against on machines where kind cannot
// run (no privileged containers, cgroup v1).
//
// # Building
//
// [Build] compiles etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kubectl of Kubernetes v1.37.2, and kwok v0.8.0, from
// the Go module proxy with `go build -trimpath` (static, stripped, the
// version stamped in). They are built from two nested modules with go.mod
// files of their own, build/kubernetes (k8s.io/kubernetes needs ~30 replace
// lines for its staging modules) and build/kwok (built against the v0.36
// libraries), so that none of this reaches the main module's go.mod.
//
// The binaries go to a cache folder keyed by a hash of those go.mod and
// go.sum files (and the build flags): $LABS_CONTROLPLANE_CACHE, else
// bloglabs/controlplane in the user's cache folder, then <hash>/bin. A cold
// build (empty Go build cache) takes 10-17 minutes on 2 cores, downloads
// ~870 MB of modules, adds ~4.5 GB to the Go build cache and peaks at 2.4 GB
// of RAM when linking the apiserver; the binaries are ~500 MB. Once built,
// [Build] and [Find] return at once. `go tool mage cluster:build` builds
// them; never commit them.
//
// # Starting
//
// [Start] runs, from the cached binaries, each component as a process group
// of its own with its log in a temp folder: etcd; kube-apiserver on a free
// port of 127.0.0.1, TLS with certificates made here (crypto/x509: a CA, a
// serving certificate for 127.0.0.1, localhost and kubernetes.default.svc,
// an admin client certificate in system:masters, a service account key
// pair); kube-controller-manager; kube-scheduler; and kwok managing every
// Node, with kwok's stages for node start-up, heartbeats with leases and pod
// lifecycle ([DefaultStages]) plus any given in [Options].Stages. It returns
// once the default namespace's default ServiceAccount exists (pods are
// refused before that): about 10 s on 2 cores. A kubeconfig file for the
// admin is written into the folder ([Cluster.Kubeconfig]).
//
// [Cluster.Close] stops every component by process group (SIGTERM, SIGKILL
// after 2 s) and removes the folder. On Linux a component also dies with the
// process that started it, so a test binary killed by its timeout leaves no
// apiserver behind. When a component dies, the error names it and ends with
// the last lines of its log ([Cluster.Healthy]).
//
// An idle control plane uses about 580 MB of RAM and 5% of one core.
// It runs on Linux and macOS; on Windows [Start] returns [ErrUnsupportedOS].
//
// # A real node
//
// With [Options].RealNode (Linux, root; [CheckRealNode] names what a host
// lacks), Start also runs a real node, [RealNodeName]: the kubelet (built
// with the others on Linux) and a containerd of its own, in a fixed folder
// of the temp dir, with a bridge CNI network, a pause image built from
// internal/pause and imported with ctr, a client certificate
// system:node:labnode signed by the CA (system:nodes bound to ClusterRole
// system:node), and a restart back-off and sync period of 5 s so that a
// crash loop shows in seconds. kwok manages only the nodes annotated for it.
// What the node changes on the host (sysctls, iptables chains, mounts,
// cgroups, the bridge) is recorded before the kubelet starts and undone by
// Close, or by the next start after a crash; one real node runs per host.
// Labs find it through package labnode.
//
// `go tool mage cluster:local` ([Serve]) builds if needed, starts one with
// two kwok nodes ([LabNodes]) and a real node where the host can run one,
// prints `export KUBECONFIG=<file>` and keeps it up until Ctrl-C. Tests use
// it through package cptest (cptest.RealNode for a real node).
package controlplane
