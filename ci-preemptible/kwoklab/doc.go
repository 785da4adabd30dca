// Package kwoklab is the preemptible lab on a real scheduler: the post's four
// variants scaled to minutes and run on a cluster whose nodes kwok
// simulates — a local control plane (tools/controlplane: etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler v1.37.2, kwok
// v0.8.0) unless a kubeconfig names another — then compared pod by pod with
// the simulator fed the same jobs.
//
// For each variant ([RunVariant]) the lab creates the scenario's pools as
// kwok nodes ([KwokNode]: the simulator's template node, so the same
// labels, taints and allocatable), the web Deployment of
// ci-preemptible/deploy, and then plays GitLab and gitlab-runner: job pods
// built exactly as the simulator builds them from the runner's config.toml
// ([JobPod]), created on the schedule of a trace drawn once ([Shape.Trace]),
// run by kwok and ended by the lab, Succeeded, once they have run their
// job's duration. Every pod it creates is confined to the run's own nodes
// ([Confine]), whatever else the cluster holds. The cloud's part
// is a preemption: the pool's first node is cordoned at the notice, its pods
// fail (as kubelet's graceful node shutdown reports them) and are deleted,
// the node is deleted and a replacement joins after a boot delay; a failed
// job pod is retried as GitLab's retry rule says. kube-scheduler places
// every pod; the lab only watches.
//
// The simulator then runs the same scaled scenario ([Shape.Scale]: fixed
// pools, the same trace, the same preemption) and [Agreement] is the share
// of job pods it put on the same pool. Agreement below 100% is a finding
// about the simulator (docs/labs/preemptible.md).
package kwoklab
