// Package sim is a discrete-event simulator of CI jobs on Kubernetes node
// pools: where gitlab-runner's job pods land, what node preemption does to
// them, how long they wait and what the nodes cost.
//
// Nodes and pods are real corev1.Node and corev1.Pod objects, and placement
// uses the filters kube-scheduler itself applies, from
// k8s.io/component-helpers: taints and tolerations (NoSchedule and NoExecute
// only, as the TaintToleration plugin does), required node affinity and
// nodeSelector (nodeaffinity.GetRequiredNodeAffinity), and resource requests
// against node allocatable (resource.PodRequests, as NodeResourcesFit does).
// Among the nodes that pass, the pod goes to the best-scored one under
// LeastAllocated (kube-scheduler's default) or MostAllocated, ties broken at
// random as kube-scheduler does.
//
// The rest is modelled, not emulated:
//   - job arrivals: Poisson, optionally thinned to a working-day profile
//     (time 0 is a Monday 00:00);
//   - job durations: exponential or lognormal; a retried job reruns in full;
//   - node pools: on-demand, preemptible (at most 24 h), Spot (no limit) or a
//     fixed-cost machine; a cluster-autoscaler that adds a node from the
//     cheapest pool whose template node the pending pod fits (after a boot
//     delay) and removes nodes that stayed empty for the scale-down time;
//   - preemption: a notice (30 s on GCE), kubelet's graceful node shutdown
//     (15 s for ordinary pods on GKE), after which every pod on the node has
//     failed; the managed instance group then recreates the VM;
//   - gitlab-runner: job pods built from the runner's config.toml the way its
//     Kubernetes executor builds them (node_selector, node_tolerations,
//     requests), at most `concurrent` at once, and a job whose pod is not
//     running after poll_timeout fails as a runner_system_failure;
//   - GitLab's retry keyword: a failed job is retried (as a new job at the
//     back of the queue) only if its failure reason is in retry:when.
//
// # Predicate cache
//
// All nodes of a pool are stamped from one template and all pods of a
// workload from one template, so the taint and affinity verdict is the same
// for every (pod template, pool) pair. The simulator computes it once per
// pair; a pod template whose required affinity names a per-node key
// (kubernetes.io/hostname, or matchFields on metadata.name) is evaluated per
// node instead. Options.DisablePredicateCache evaluates every (pod, node)
// pair through component-helpers; the tests check that both give identical
// results.
//
// Scenarios are YAML (see ParseScenario); a run is reproducible from its
// seed. Run returns a Result with cost, queue-wait percentiles, makespan,
// failures, retries, lost jobs, pods that never scheduled and pods on the
// wrong pool.
package sim
