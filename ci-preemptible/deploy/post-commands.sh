#!/bin/sh
# The post's two commands, corrected. As published, the key before "=true"
# was lost from both; the key is GKE's own node label for preemptible nodes.
set -eu

# 1. Taint the preemptible nodes so nothing lands there unless it says so.
#    The post tainted nodes one by one; this taints every node of the pool
#    that exists now. Nodes the autoscaler adds later, and the VMs recreated
#    after each preemption (at least every 24 h), come back WITHOUT it:
#    create the pool with --node-taints instead (node-pool-preemptible.sh).
kubectl taint nodes -l cloud.google.com/gke-nodepool=ci-preemptible \
  cloud.google.com/gke-preemptible=true:NoSchedule --overwrite

# 2. Send the CI jobs there. The chart's nodeSelector would move only the
#    gitlab-runner manager pod (which must stay off preemptible nodes); the
#    job pods get their node_selector and node_tolerations from the runner's
#    config.toml, carried in the chart's runners.config.
helm upgrade --install gitlab-runner gitlab/gitlab-runner \
  --namespace gitlab-runner --create-namespace \
  --values gitlab-runner-values.yaml \
  --set runnerToken="${RUNNER_TOKEN:?set RUNNER_TOKEN (glrt-...)}"
