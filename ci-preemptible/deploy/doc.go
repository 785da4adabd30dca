// Package deploy holds the corrected manifests for running GitLab CI jobs on
// a tainted preemptible (or Spot) GKE node pool, embedded so that the
// simulator's scenarios and the tests read the very files a user applies:
//
//   - node-pool-preemptible.sh, node-pool-spot.sh: gcloud node pools with
//     --node-labels and --node-taints;
//   - post-commands.sh: the blog post's two commands, corrected;
//   - gitlab-runner-values.yaml: Helm values, runner manager kept off
//     preemptible and Spot nodes;
//   - config.toml: the runner configuration that sends job pods to the pool
//     (node_selector and node_tolerations);
//   - gitlab-ci-retry.yml: GitLab's retry on runner_system_failure;
//   - kind-cluster.yaml: a kind cluster with a worker labelled and tainted
//     like a GKE preemptible node;
//   - job-pod.yaml, web-deployment.yaml: a job pod as gitlab-runner builds it
//     and a non-CI Deployment, for trying the taint by hand.
//
// The tests decode every Kubernetes manifest strictly with client-go's scheme
// and check that the files agree with each other.
package deploy
