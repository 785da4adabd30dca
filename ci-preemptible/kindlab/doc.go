// Package kindlab is the preemptible lab live on a kind cluster (`cisim lab
// --runtime kind`): a worker labelled and tainted like a GKE preemptible node
// next to an ordinary one ([kind.PreemptibleCluster]), the job pods and the
// web Deployment of ci-preemptible/deploy applied as they are written, then a
// preemption — the worker's container stopped — and, at each step, where
// every pod is and, for a pod that waits, kube-scheduler's own reason.
//
// What needs no cluster is separate and tested from recorded objects:
// [JobPod] and [WebDeployment] build the objects from the embedded manifests
// (with or without the job's toleration), and [Summarize] turns pods and
// nodes, as the API server returns them, into the table's rows.
//
// [Run] checks the host first ([kind.CheckHost], through [kind.Up]) and
// creates nothing when kind cannot run there.
package kindlab
